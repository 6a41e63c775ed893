"""The whole job at the door on screen: the visit's proof (photos, place, signature, upload
state), the request behind a request visit, raising a request, recording a service. Each reads
from and calls mobile.core.phone.Phone, nothing else."""

import io

from kivy.app import App
from kivy.core.image import Image as CoreImage
from kivy.factory import Factory
from kivy.graphics import Color, Line
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.popup import Popup
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from mobile.core.media import NotAPicture, draw_signature
from mobile.ui import devices
from mobile.ui.widgets import Worded


def app():
    return App.get_running_app()


def texture_of(jpeg: bytes | None):
    """A Kivy texture from a thumbnail's bytes (None for none)."""
    if not jpeg:
        return None
    return CoreImage(io.BytesIO(jpeg), ext="jpg").texture


def place_text(tr, location: dict | None, no_fix: str | None) -> str:
    if location:
        return tr(
            "place_line",
            lat=f"{location['lat']:.5f}",
            lon=f"{location['lon']:.5f}",
            acc=f"{location['accuracy_m']:.0f}",
        )
    return tr(no_fix) if no_fix else tr("place_not_taken")


def show_proof(row, phone, tr, visit: dict) -> None:
    """On the supervisor's approval row: the photos and signature (thumbnails fetched by the
    last sync), the place and its distance from the resident's home, verified or not."""
    proof = phone.proof_of(visit)
    row.ids.thumbs.clear_widgets()
    if proof is None:
        row.proof_text, row.verified = tr("no_proof"), False
        return
    named = [*proof.get("photos", []), *([proof["signature"]] if proof.get("signature") else [])]
    for sha in named:
        thumbnail = phone.thumbnail(sha)
        if thumbnail:
            row.ids.thumbs.add_widget(Factory.Thumb(texture=texture_of(thumbnail)))
    distance = proof.get("distance_m")
    lines = [
        tr("photos_n", n=len(proof.get("photos", [])))
        + " · "
        + (tr("signature_saved") if proof.get("signature") else tr("no_signature")),
        f"{tr('place')}: {place_text(tr, proof.get('location'), 'no_fix')}",
        tr("distance", m=f"{distance:.0f}") if distance is not None else tr("distance_unknown"),
        tr("verified") if proof["signed"] else tr("unverified"),
    ]
    row.proof_text, row.verified = "\n".join(lines), bool(proof["signed"])


class SignaturePad(Widget):
    """The resident signs with a finger; the strokes become a PNG (mobile.core.media)."""

    strokes = ListProperty([])

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        touch.grab(self)
        with self.canvas:
            Color(0.08, 0.08, 0.12, 1)
            touch.ud["line"] = Line(points=[touch.x, touch.y], width=2)
        self.strokes.append([touch.x - self.x, touch.y - self.y])
        return True

    def on_touch_move(self, touch):
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        touch.ud["line"].points += [touch.x, touch.y]
        self.strokes[-1] += [touch.x - self.x, touch.y - self.y]
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is self:
            touch.ungrab(self)
            return True
        return super().on_touch_up(touch)

    def clear(self) -> None:
        self.canvas.clear()
        self.strokes = []

    def png(self) -> bytes | None:
        if not self.strokes:
            return None
        return draw_signature(self.strokes, int(self.width), int(self.height))


class ProofSection(Worded, BoxLayout):
    """Part of the visit screen: photos with thumbnails, add photo, place, signature pad,
    and how far the upload has got."""

    visit_id = StringProperty("")
    photos_text = StringProperty("")
    place = StringProperty("")
    signature_text = StringProperty("")
    upload_text = StringProperty("")
    message = StringProperty("")
    locating = BooleanProperty(False)
    editable = BooleanProperty(True)  # false once the visit went with its proof

    def show(self, visit_id: str) -> None:
        self.visit_id = visit_id
        self.tell()
        self.refresh()

    def refresh(self) -> None:
        phone, tr = app().phone, app().tr
        if not self.visit_id or not phone.is_unlocked:
            return
        draft, self.editable = phone.proof_shown(self.visit_id)
        strip = self.ids.thumbs
        strip.clear_widgets()
        for sha in draft["photos"]:
            strip.add_widget(Factory.Thumb(texture=texture_of(phone.thumbnail(sha))))
        self.photos_text = tr("photos_n", n=len(draft["photos"]))
        self.place = place_text(tr, draft["location"], draft["no_fix"])
        self.signature_text = tr("signature_saved") if draft["signature"] else tr("no_signature")
        named = [*draft["photos"], *([draft["signature"]] if draft["signature"] else [])]
        waiting = [sha for sha in named if phone.upload_state(sha) == "waiting"]
        if waiting:
            self.upload_text = tr("upload_waiting", n=len(waiting))
        else:
            self.upload_text = "" if self.editable or not named else tr("upload_done")

    def add_photo(self) -> None:
        """The camera on a phone; a file chooser on a desktop."""
        if not devices.take_photo(self.add_photo_from):
            PhotoChooser(on_chosen=self.add_photo_from).open()

    def add_photo_from(self, path: str | None, reason: str = "") -> None:
        if not path:
            self.tell(reason)  # why there is no photo, in words ("" when the person went back)
            return
        try:
            app().phone.add_photo(self.visit_id, path)
        except NotAPicture:
            self.tell("not_a_picture")
            return
        except ValueError as exc:
            self.tell(str(exc))
            return
        self.tell()
        self.refresh()

    def reword(self) -> None:
        super().reword()
        self.refresh()

    def locate(self) -> None:
        self.locating = True
        self.place = app().tr("locating")
        devices.Locator(self.located).start()

    def located(self, fix, reason: str = "") -> None:
        self.locating = False
        app().phone.set_location(self.visit_id, fix, reason or "no_fix")
        self.refresh()

    def open_signature(self) -> "SignaturePopup":
        popup = SignaturePopup(section=self)
        popup.open()
        return popup

    def keep_signature(self, png: bytes) -> None:
        app().phone.set_signature(self.visit_id, png)
        self.tell()
        self.refresh()


class SignaturePopup(Worded, Popup):
    """The resident signs on a pad that fills the width; nothing scrolls under the finger."""

    message = StringProperty("")

    def __init__(self, section: ProofSection, **kwargs) -> None:
        super().__init__(**kwargs)
        self.section = section

    def save(self) -> None:
        png = self.ids.pad.png()
        if png is None:
            self.tell("sign_first")
            return
        self.dismiss()
        self.section.keep_signature(png)


class PhotoChooser(Popup):
    """On a desktop, where there is no camera: pick a picture file."""

    def __init__(self, on_chosen, **kwargs) -> None:
        super().__init__(**kwargs)
        self.on_chosen = on_chosen

    def choose(self, selection: list[str]) -> None:
        self.dismiss()
        self.on_chosen(selection[0] if selection else None)


class RequestScreen(Worded, Screen):
    """The request behind a request visit: what was reported, category, caller, address,
    due time (local), and its timeline."""

    heading = StringProperty("")
    details = StringProperty("")
    timeline = StringProperty("")
    visit_id = request_id = ""

    def reword(self) -> None:
        if self.request_id:
            self.show(self.request_id, self.visit_id)

    def show(self, request_id: str, visit_id: str) -> None:
        phone, tr = app().phone, app().tr
        self.visit_id, self.request_id = visit_id, request_id
        request = phone.request(request_id)
        if request is None:
            self.heading, self.details, self.timeline = tr("request_detail"), tr("no_request"), ""
            return
        self.heading = f"{tr('kind_request')} {request['number']}"
        self.details = "\n".join(
            [
                f"{tr('reported')}: {request.get('description', '')}",
                f"{tr('category')}: {request['category']}",
                f"{tr('caller')}: {request.get('caller_name', '')}  "
                f"{request.get('caller_phone', '')}",
                f"{tr('address')}: {request.get('address', '')}",
                f"{tr('received_time')}: {request['received_local']}",
                f"{tr('due_time')}: {request['due_local']}"
                + (f"  · {tr('overdue')}" if request.get("overdue") else ""),
                f"{tr('req_status')}: {tr('req_' + str(request.get('status')))}",
            ]
        )
        steps = request["timeline"]
        self.timeline = (
            "\n".join(
                f"{step['at_local']}  {tr('act_' + step.get('action', ''))}  "
                f"{step.get('actor', '')}" + (f"\n    {step['note']}" if step.get("note") else "")
                for step in steps
            )
            if steps
            else tr("timeline_offline")
        )


class CategoryForm(Worded, Screen):
    """A form that names a service category: a spinner of the catalogue in the app's language."""

    heading = StringProperty("")
    message = StringProperty("")
    resident_id = ""
    visit_id = ""

    def show(self, resident_id: str, visit_id: str | None) -> None:
        phone = app().phone
        self.resident_id, self.visit_id = resident_id, visit_id or ""
        self.tell()
        self._codes = {phone.category_name(c["code"]): c["code"] for c in phone.categories()}
        spinner = self.ids.category
        spinner.values = list(self._codes)
        spinner.text = spinner.values[0] if spinner.values else ""
        resident = phone.resident(resident_id) or {}
        self.heading = f"{app().tr(self.title_key)} · {resident.get('name', '')}"

    def reword(self) -> None:
        if self.resident_id:  # the heading and the categories' names, in the new language
            said, chosen = self._said, self.category_code()
            self.show(self.resident_id, self.visit_id)
            names = {code: name for name, code in self._codes.items()}
            self.ids.category.text = names.get(chosen, self.ids.category.text)
            self._said = said
        super().reword()

    def category_code(self) -> str:
        return self._codes.get(self.ids.category.text, "")


class RaiseRequestScreen(CategoryForm):
    title_key = "raise_request"

    def submit(self) -> None:
        ids = self.ids
        try:
            app().phone.raise_request(
                self.resident_id,
                self.category_code(),
                ids.description.text,
                caller_name=ids.caller_name.text,
                caller_phone=ids.caller_phone.text,
            )
        except ValueError as exc:
            self.tell(str(exc))
            return
        ids.description.text = ids.caller_name.text = ids.caller_phone.text = ""
        self.tell("request_raised")


class ServiceScreen(CategoryForm):
    title_key = "record_service"

    def submit(self) -> None:
        ids = self.ids
        minutes = int(ids.minutes.text) if ids.minutes.text.strip().isdigit() else 0
        try:
            app().phone.record_service(
                self.resident_id,
                self.visit_id or None,
                self.category_code(),
                min(minutes, 24 * 60),
                ids.description.text,
                with_proof=ids.with_proof.active,
            )
        except ValueError as exc:
            self.tell(str(exc))
            return
        ids.description.text = ids.minutes.text = ""
        self.tell("saved")


SCREENS = [RequestScreen, RaiseRequestScreen, ServiceScreen]

"""The screens: each reads from and calls mobile.core.phone.Phone, nothing else."""

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.core.crypto import WrongPin
from mobile.core.sync import Offline, ServerTrouble, SignedOut, SyncError
from mobile.ui.fieldwork import show_proof
from mobile.ui.settings import SettingsScreen
from mobile.ui.widgets import Worded
from shared.gender import gender_code
from shared.visits import title_words

WELLBEING = ("good", "fair", "poor", "emergency")
EDITABLE = ("phone", "address", "notes")  # the resident's fields the visit screen edits


def _gender(recorded, tr) -> str:
    """The recorded gender in the screen's language ("女" reads "Female" in English)."""
    code = gender_code(recorded)
    return tr(f"gender_{code}") if code else (recorded or "")


def app():
    return App.get_running_app()


def _visit_title(visit: dict, tr) -> str:
    """A request visit's title is the request's number: say that it is a request. A title the
    server made is a code, worded in the app's language."""
    title = title_words(visit, app().language)
    if visit.get("kind") == "request" and visit.get("request_id"):
        return f"{tr('kind_request')} {title}"
    return title


class SetupScreen(Worded, Screen):
    message = StringProperty("")
    default_server = StringProperty("http://127.0.0.1:8000")

    def sign_in(self) -> None:
        ids = self.ids
        try:
            app().phone.sign_in(
                ids.server.text.strip(),
                ids.username.text.strip(),
                ids.password.text,
                ids.pin.text.strip(),
            )
        except ValueError as exc:
            self.tell(str(exc))
            return
        except SignedOut:
            self.tell("wrong_password")
            return
        except ServerTrouble:
            self.tell("server_error")
            return
        except (Offline, SyncError, OSError):
            self.tell("cannot_reach")
            return
        ids.password.text = ids.pin.text = ""
        self.tell()
        app().signed_in()


class UnlockScreen(Worded, Screen):
    message = StringProperty("")

    def unlock(self) -> None:
        try:
            app().phone.unlock(self.ids.pin.text.strip())
        except WrongPin:
            self.tell("wrong_pin")
            self.ids.pin.text = ""
            return
        self.ids.pin.text = ""
        self.tell()
        app().unlocked()


class HomeScreen(Screen):
    heading = StringProperty("")
    empty_text = StringProperty("")
    status_filter = None
    kind_filter = None

    def on_pre_enter(self, *args) -> None:
        self.refresh()
        self.build_nav()

    def reword(self) -> None:
        if app().phone.is_unlocked:
            self.on_pre_enter()

    def set_filter(self, status) -> None:
        self.status_filter = status
        self.refresh()

    def set_kind(self, kind) -> None:
        self.kind_filter = kind
        self.refresh()

    def build_nav(self) -> None:
        nav, phone, tr = self.ids.nav, app().phone, app().tr
        nav.clear_widgets()
        targets = []
        if phone.may_send("approval.decide"):
            targets.append(("approvals", tr("approvals")))
        if phone.may_send("assistance.log"):
            targets.append(("family", tr("family")))
        targets += [("conflicts", tr("conflicts")), ("settings", tr("settings"))]
        for name, label in targets:
            button = Factory.BigButton(text=label)
            button.bind(on_release=lambda _b, n=name: app().go(n))
            nav.add_widget(button)

    def refresh(self) -> None:
        phone, tr = app().phone, app().tr
        if not phone.is_unlocked:
            return
        user = phone.user
        self.heading = f"{tr('home')} · {user.get('display_name', '')}"
        visits = phone.visits(
            status=self.status_filter, kind=self.kind_filter, search=self.ids.search.text.strip()
        )
        self.ids.list.data = [
            {
                "visit_id": v["id"],
                "title": v["resident_name"],
                "what": _visit_title(v, tr) if v.get("title") or v.get("title_code") else "",
                "subtitle": f"{tr('due')} {phone.local_time(v.get('due_at'))}  "
                f"{v['resident_address']}",
                "status_text": tr("overdue") if v["overdue"] else tr(f"status_{v['status']}"),
                "overdue": v["overdue"],
            }
            for v in visits
        ]
        self.empty_text = "" if visits else tr("no_visits")


class VisitScreen(Worded, Screen):
    request_id = StringProperty("")
    visit_id = StringProperty("")
    resident_id = StringProperty("")
    may_record_service = BooleanProperty(False)
    heading = StringProperty("")
    card = StringProperty("")
    status_line = StringProperty("")
    history_text = StringProperty("")
    message = StringProperty("")
    can_start = BooleanProperty(False)
    can_complete = BooleanProperty(False)
    returned = BooleanProperty(False)

    def show(self, visit_id: str) -> None:
        self.visit_id = visit_id
        self.tell()
        self.refresh()
        self.ids.proof.show(visit_id)
        self.clear_checkin()
        self.ids.summary.text = ""
        self._loaded = {}
        self.load_edits()

    def clear_checkin(self) -> None:
        """Each check-in starts unanswered: nothing of the last resident's carries over."""
        ids = self.ids
        for key in (*(f"wb_{w}" for w in WELLBEING), "seen_yes", "seen_no"):
            ids[key].state = "normal"
        ids.gas.active = ids.water.active = ids.electricity.active = False
        ids.checkin_notes.text = ids.needs.text = ""

    def load_edits(self) -> None:
        """The edit fields from the record as the phone holds it now. A field the person has
        not touched follows the record (a sync brought another phone's edit); one they are
        typing in keeps their text."""
        resident = app().phone.resident(self.resident_id) or {}
        loaded = getattr(self, "_loaded", {})
        for name in EDITABLE:
            widget = self.ids[f"edit_{name}"]
            value = resident.get(name) or ""
            if name not in loaded or widget.text == loaded[name]:
                widget.text = value
                loaded[name] = value
        self._loaded = loaded

    def reword(self) -> None:
        super().reword()
        self.ids.proof.reword()
        if self.visit_id and app().phone.visit(self.visit_id) is not None:
            self.refresh()

    def refresh(self) -> None:
        phone, tr = app().phone, app().tr
        visit = phone.visit(self.visit_id)
        if visit is None:
            app().go("home")
            return
        self.resident_id = visit["resident_id"]
        self.request_id = visit.get("request_id") or ""
        self.may_record_service = phone.may_send("service.record")
        resident = phone.resident(self.resident_id) or {}
        self.heading = resident.get("name", tr("visit"))
        lines = [
            f"{resident.get('name', '')}  {_gender(resident.get('gender'), tr)}  "
            f"{tr('born')} {resident.get('birth_year') or '-'}"
            + (f"  · {tr('living_alone')}" if resident.get("living_alone") else ""),
            f"{tr('phone')}: {resident.get('phone', '')}",
            f"{tr('address')}: {resident.get('address', '')}",
        ]
        if resident.get("notes"):
            lines.append(f"{tr('notes')}: {resident['notes']}")
        self.card = "\n".join(lines)
        self.returned = visit["status"] == "returned"
        status = (
            f"{tr('kind_' + visit['kind'])} · {tr('status_' + visit['status'])} · "
            f"{tr('due')} {phone.local_time(visit.get('due_at'))}"
        )
        request = phone.request(self.request_id) if self.request_id else None
        if request is not None:
            status += (
                f"\n{request['category']} · {request.get('description', '')}"
                f"\n{tr('due_time')} {request['due_local']}"
            )
        if self.returned and visit.get("return_reason"):
            status += f"\n{tr('returned_reason')}: {visit['return_reason']}"
        self.status_line = status
        self.can_start = phone.can(visit, "start")
        self.can_complete = phone.can(visit, "complete")
        self.ids.proof.refresh()
        self.load_edits()
        history = phone.history(self.resident_id)[:8]
        self.history_text = (
            "\n".join(
                f"{phone.local_time(h.get('at'))}  "
                + (
                    tr("wb_" + h["wellbeing"]) + "  " + h.get("notes", "")
                    if h["entity"] == "checkin"
                    else h.get("kind") or phone.category_name(h.get("category_code") or "")
                )
                for h in history
            )
            or "-"
        )

    def start(self) -> None:
        app().phone.start_visit(self.visit_id)
        self.refresh()

    def save_checkin(self) -> None:
        ids = self.ids
        wellbeing = next((w for w in WELLBEING if ids[f"wb_{w}"].state == "down"), None)
        seen = {ids.seen_yes.state: True, ids.seen_no.state: False}.get("down")
        try:
            app().phone.record_checkin(
                self.resident_id,
                self.visit_id,
                seen,
                wellbeing or "",
                ids.checkin_notes.text,
                needs=ids.needs.text,
                home_safety={
                    "gas": ids.gas.active,
                    "water": ids.water.active,
                    "electricity": ids.electricity.active,
                },
            )
        except ValueError as refused:
            self.tell(str(refused))
            return
        self.clear_checkin()
        self.tell("saved")
        self.refresh()

    def complete(self) -> None:
        try:
            app().phone.complete_visit(self.visit_id, self.ids.summary.text)
        except ValueError as refused:
            self.tell(str(refused))
            return
        self.ids.summary.text = ""
        self.tell("saved")
        self.refresh()

    def save_resident(self) -> None:
        ids = self.ids
        app().phone.update_resident(
            self.resident_id, **{name: ids[f"edit_{name}"].text.strip() for name in EDITABLE}
        )
        self._loaded = {}  # what was saved is what the fields show now
        self.tell("saved")
        self.refresh()


class ListScreen(Worded, Screen):
    heading = StringProperty("")
    message = StringProperty("")

    def on_pre_enter(self, *args) -> None:
        self.refresh()

    def reword(self) -> None:
        super().reword()
        if app().phone.is_unlocked:
            self.refresh()

    def add_text(self, text: str, color=(0.13, 0.13, 0.15, 1)) -> None:
        self.ids.entries.add_widget(Factory.Body(text=text, color=color))


class ApprovalsScreen(ListScreen):
    def refresh(self) -> None:
        phone, tr = app().phone, app().tr
        self.heading = tr("approvals")
        self.ids.entries.clear_widgets()
        queue = phone.approval_queue()
        if not queue:
            self.add_text(tr("no_approvals"))
        for visit in queue:
            row = Factory.ApprovalRow()
            row.visit_id = visit["id"]
            row.text = (
                f"{visit['resident_name']} · {tr('kind_' + visit['kind'])}\n"
                f"{tr('summary')}: {visit.get('summary') or '-'}"
            )
            show_proof(row, phone, tr, visit)
            self.ids.entries.add_widget(row)

    def decide(self, visit_id: str, approve: bool, reason: str) -> None:
        try:
            app().phone.decide(visit_id, approve, reason)
        except ValueError as exc:
            self.tell(str(exc))
            return
        self.tell()
        self.refresh()


class FamilyScreen(ListScreen):
    resident_id = ""

    def refresh(self) -> None:
        phone, tr = app().phone, app().tr
        self.heading = tr("family")
        items = self.ids.entries
        items.clear_widgets()
        family = phone.families()
        if family and not self.resident_id:
            self.resident_id = family[0]["id"]
        for member in family:
            button = Factory.BigButton(
                text=f"{member['name']}  {member.get('address', '')[:14]}",
                background_color=(0.12, 0.47, 0.71, 1)
                if member["id"] == self.resident_id
                else (0.55, 0.6, 0.66, 1),
            )
            button.bind(on_release=lambda _b, rid=member["id"]: self.choose(rid))
            items.add_widget(button)
        if not self.resident_id:
            return
        self.add_text(tr("history"))
        for visit in phone.visits_of(self.resident_id):
            self.add_text(
                f"{phone.local_time(visit.get('due_at'))}  {tr('kind_' + visit['kind'])}  "
                f"{tr('status_' + visit['status'])}  {visit.get('summary') or ''}"
            )
        self.add_text(tr("assistance"))
        for entry in phone.history(self.resident_id):
            if entry["entity"] == "assistance":
                amount = f"  ¥{entry['amount_cny']:.0f}" if entry.get("amount_cny") else ""
                self.add_text(
                    f"{phone.local_time(entry.get('at'))}  {entry['kind']}{amount}  "
                    f"{entry.get('description', '')}"
                )
        self.kind = Factory.TextInput(hint_text=tr("kind"))
        self.amount = Factory.TextInput(hint_text=tr("amount"), input_filter="float")
        self.done = Factory.TextInput(hint_text=tr("what_was_done"))
        for widget in (self.kind, self.amount, self.done):
            items.add_widget(widget)
        save = Factory.BigButton(text=tr("log_assistance"))
        save.bind(on_release=lambda _b: self.log())
        items.add_widget(save)

    def choose(self, resident_id: str) -> None:
        self.resident_id = resident_id
        self.refresh()

    def log(self) -> None:
        if not self.kind.text.strip():
            return
        amount = float(self.amount.text) if self.amount.text.strip() else None
        app().phone.log_assistance(
            self.resident_id, self.kind.text.strip(), amount, self.done.text.strip()
        )
        self.tell()
        self.refresh()


SCREENS = [
    SetupScreen,
    UnlockScreen,
    HomeScreen,
    VisitScreen,
    ApprovalsScreen,
    FamilyScreen,
    SettingsScreen,
]

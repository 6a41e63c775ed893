"""Widgets shared by the screens: the sync bar, list rows, large buttons."""

from datetime import UTC, datetime

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from shared.localtime import to_local


class Worded:
    """A screen or section whose passing message (saved, a refusal…) is kept as its key, so
    that a language switch words it again (`reword`); `message` is the words shown."""

    _said: tuple[str, dict] = ("", {})

    def tell(self, key: str = "", **values) -> None:
        """Show `key`'s words (or `key` itself when it is a text, not a key); "" clears."""
        self._said = (key, values)
        self.message = App.get_running_app().tr.say(key, **values) if key else ""

    def reword(self) -> None:
        """Word again, in the new language, what this screen shows (called on a switch)."""
        key, values = self._said
        self.tell(key, **values)


class BigButton(Button):
    """A touch target of at least 48 dp, in large type."""


class SyncBar(BoxLayout):
    """Always on top: offline badge, pending count, last sync, progress, problems in words."""

    badge = StringProperty("")
    pending_text = StringProperty("")
    last_text = StringProperty("")
    problem = StringProperty("")
    progress = NumericProperty(0)
    running = BooleanProperty(False)
    online = BooleanProperty(False)

    def show(self, state) -> None:
        tr = App.get_running_app().tr
        self.online, self.running = state.online, state.running
        self.badge = tr("syncing") if state.running else tr("online" if state.online else "offline")
        self.pending_text = tr("pending", n=tr.count(state.pending))
        if state.last_synced_at:
            # The district's zone, not the phone's: times on every screen read the same.
            zone = to_local(
                datetime.fromtimestamp(state.last_synced_at, UTC),
                App.get_running_app().phone.timezone,
            )
            self.last_text = tr("last_sync", when=zone.strftime("%H:%M"))
        else:
            self.last_text = tr("never_synced")
        total = state.total or 0
        self.progress = (state.done / total * 100) if total else (0 if not state.running else 5)
        if state.running and total:
            if getattr(state, "phase", "") == "upload":
                self.last_text = tr(
                    "uploading", done=_megabytes(state.done), total=_megabytes(total)
                )
            else:
                self.last_text = tr("pulled", done=tr.count(state.done), total=tr.count(total))
        problem = state.problem or ""
        self.problem = (
            tr(problem)
            if problem in ("offline", "busy", "server_error", "update_app", "signed_out", "revoked")
            else (
                tr("sync_failed", why=tr.refusal(getattr(state, "problem_code", None), problem))
                if problem
                else ""
            )
        )


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB"


class VisitRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """One visit in the home list; RecycleView reuses rows, it never rebuilds them."""

    visit_id = StringProperty("")
    title = StringProperty("")  # whose visit (the resident)
    what = StringProperty("")  # what the visit is: its title, a request's number whole
    subtitle = StringProperty("")
    status_text = StringProperty("")
    overdue = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().open_visit(self.visit_id)

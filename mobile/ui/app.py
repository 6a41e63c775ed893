"""The Kivy application: the shell (sync bar + screens), navigation, background sync, idle lock."""

import logging
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock, mainthread
from kivy.core.text import LabelBase
from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.core.phone import Phone
from mobile.fonts import find_cjk_font
from mobile.i18n import Words
from mobile.ui import (
    conflicts,
    fieldwork,
    screens,
    widgets,  # noqa: F401  (registers the widget classes for kv)
)

log = logging.getLogger("doorstep.mobile")
HERE = Path(__file__).resolve().parent
SYNC_EVERY = 60.0  # seconds, when online
RETRY_OFFLINE_EVERY = 15.0  # seconds: notices soon when the network comes back
LOCK_AFTER_IDLE = 300.0  # seconds


class Shell(BoxLayout):
    pass


class DoorstepApp(App):
    font_name = StringProperty("Roboto")
    language = StringProperty("zh")
    # The words of the current language: `tr(key, **values)`. A property, so every kv rule that
    # calls `app.tr(...)` is bound to it and says its words again when a switch replaces it.
    tr = ObjectProperty(None, rebind=True)

    def __init__(self, phone: Phone, background_sync: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.phone = phone
        self.background_sync = background_sync
        self.tr = Words(phone.language)
        self.language = phone.language
        self.font_path = find_cjk_font()
        if self.font_path:
            LabelBase.register("DoorstepCJK", self.font_path)
            self.font_name = "DoorstepCJK"
        else:
            log.warning(
                "No CJK font found: install fonts-wqy-microhei or fonts-noto-cjk, or set "
                "DOORSTEP_CJK_FONT; Chinese text will show as empty boxes."
            )
        self._next_sync = None

    def build(self):
        self.title = "Doorstep"
        for kv in ("shell.kv", "screens.kv", "fieldwork.kv"):
            path = str(HERE / kv)
            Builder.unload_file(path)  # a second app in one process must not apply rules twice
            Builder.load_file(path)
        shell = Shell()
        for cls in [*screens.SCREENS, *conflicts.SCREENS, *fieldwork.SCREENS]:
            shell.ids.screens.add_widget(cls(name=_default_name(cls)))
        self.phone.listeners.append(self._on_sync_state)
        self.shell = shell
        self.bar.show(self.phone.state)
        self.go(self.first_screen())
        if self.background_sync:
            self._next_sync = Clock.schedule_once(lambda _dt: self.sync_now(), 1)
            Clock.schedule_interval(self._check_idle, 10)
        return shell

    @property
    def bar(self):
        return self.shell.ids.sync_bar

    def first_screen(self) -> str:
        if not self.phone.is_set_up:
            return "setup"
        return "home" if self.phone.is_unlocked else "unlock"

    def screen(self, name: str):
        return self.shell.ids.screens.get_screen(name)

    def go(self, name: str) -> None:
        self.phone.touch()
        self.shell.ids.screens.current = name

    def open_visit(self, visit_id: str) -> None:
        self.screen("visit").show(visit_id)
        self.go("visit")

    def open_request(self, request_id: str, visit_id: str) -> None:
        self.screen("request").show(request_id, visit_id)
        self.go("request")

    def open_form(self, name: str, resident_id: str, visit_id: str | None) -> None:
        """The raise-request (`raiserequest`) or record-service (`service`) form for a resident."""
        self.screen(name).show(resident_id, visit_id)
        self.go(name)

    # -- session ---------------------------------------------------------------------------

    def signed_in(self) -> None:
        self.go("home")
        self.sync_now()

    def unlocked(self) -> None:
        self.go("home")
        self.sync_now()

    def log_out(self) -> None:
        self.phone.wipe()
        self.go("setup")

    def switch_language(self) -> None:
        new = "en" if self.language == "zh" else "zh"
        self.phone.set_language(new)
        self.tr = Words(new)  # every kv rule calling app.tr(...) is worded again
        self.language = new
        # What the screens' code worded (lists, details, messages, the sync bar) is worded
        # again too, on every screen, not only the one in view.
        self.bar.show(self.phone.state)
        for screen in self.shell.ids.screens.screens:
            if hasattr(screen, "reword"):
                screen.reword()

    # -- sync ------------------------------------------------------------------------------

    def sync_now(self) -> None:
        if self.phone.is_unlocked:
            self.phone.sync_in_background()

    def _on_sync_state(self, state) -> None:
        # Called from the sync thread: widgets are touched only on the main thread.
        self._show_state(state)

    @mainthread
    def _show_state(self, state) -> None:
        # A sync that ends while the app is closing reports to no window: nothing to show.
        if App.get_running_app() is not self:
            return
        self.bar.show(state)
        if state.revoked:
            self.go("setup")
            self.screen("setup").message = self.tr("revoked")
            return
        if not state.running:
            current = self.shell.ids.screens.current
            if current == "home":
                self.screen("home").refresh()
            elif current in ("approvals", "family", "conflicts"):
                self.screen(current).refresh()
            elif current == "visit":
                self.screen("visit").refresh()
            if self.background_sync:
                if state.online and self.phone.is_unlocked:
                    self.phone.go_live()  # changes now arrive as they happen
                if self._next_sync is not None:
                    self._next_sync.cancel()
                delay = SYNC_EVERY if state.online else RETRY_OFFLINE_EVERY
                self._next_sync = Clock.schedule_once(lambda _dt: self.sync_now(), delay)

    def _check_idle(self, _dt) -> None:
        if self.phone.is_unlocked and self.phone.idle_for() > LOCK_AFTER_IDLE:
            self.phone.lock()
            self.go("unlock")


def _default_name(cls) -> str:
    return cls.__name__.removesuffix("Screen").lower()

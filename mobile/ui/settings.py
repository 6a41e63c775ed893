"""The settings screen: who is signed in, the server, the district's time zone, the language
switch, log out and wipe."""

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen


def app():
    return App.get_running_app()


class SettingsScreen(Screen):
    zone = StringProperty("")
    who = StringProperty("")
    server = StringProperty("")
    wipe_text = StringProperty("")
    font_note = StringProperty("")
    armed = False

    def on_pre_enter(self, *args) -> None:
        phone, tr = app().phone, app().tr
        user = phone.user
        self.who = (
            f"{user.get('display_name', '')} ({user.get('username', '')}) · "
            f"{user.get('org_unit', {}).get('name', '')}"
        )
        self.server = phone.server_url
        self.zone = phone.timezone
        self.armed = False
        self.wipe_text = tr("wipe")
        self.font_note = "" if app().font_path else tr("font_missing")

    def reword(self) -> None:
        if app().phone.is_set_up:
            self.on_pre_enter()

    def wipe(self) -> None:
        if not self.armed:
            self.armed = True
            self.wipe_text = app().tr("wipe_confirm")
            return
        app().log_out()

"""The phone switches language live: after one tap every label of every screen (kv layouts,
lists, details, messages, the sync bar) reads in the new language, none in the old one, with no
restart; and a refusal from the server is worded from its code."""

from kivy.uix.label import Label
from kivy.uix.textinput import TextInput

from shared import words
from tests.support.ui import frames, tap
from tests.support.words import foreign
from tests.test_app import server, signed_in, start_app  # noqa: F401  (fixtures)

NAMESPACES = ("phone", "error")


def _texts(app) -> list[str]:
    """What a person can read: every label's and button's text and every input's hint, on
    every screen (shown or not) and in the sync bar."""
    roots = [*app.shell.ids.screens.screens, app.bar]
    found = []
    for root in roots:
        for widget in root.walk(restrict=True):
            if isinstance(widget, TextInput):
                found.append(widget.hint_text)
            elif isinstance(widget, Label):
                found.append(widget.text)
    return [text for text in found if text]


async def _visit_everything(app, worker) -> str:
    """Opens the screens that show something (a visit, its request, the two forms, the lists)
    and leaves a message on the visit screen; ends on the settings screen."""
    request_visit = next((v for v in worker.visits() if v.get("request_id")), None)
    if request_visit is not None:
        app.open_request(request_visit["request_id"], request_visit["id"])
        await frames(2)
    visit = next(v for v in worker.visits(status="assigned"))
    app.open_form("raiserequest", visit["resident_id"], visit["id"])
    app.open_form("service", visit["resident_id"], visit["id"])
    app.screen("service").tell("description_required")
    app.open_visit(visit["id"])
    await frames(2)
    screen = app.screen("visit")
    await tap(screen.ids.start)
    await tap(screen.ids.wb_good)
    await tap(screen.ids.seen_yes)
    await tap(screen.ids.save_checkin)
    for name in ("conflicts", "home", "settings"):
        app.go(name)
        await frames(2)
    return visit["id"]


async def test_one_tap_rewords_every_label_of_every_screen(tmp_path, server, start_app):  # noqa: F811
    worker = signed_in(tmp_path, server, "worker1")
    app = await start_app(worker)
    await _visit_everything(app, worker)
    setup, visit = app.screen("setup"), app.screen("visit")
    assert visit.message == "已保存，将在联网后同步"
    assert not foreign(_texts(app), "zh", *NAMESPACES)
    sign_in = next(w for w in setup.walk() if getattr(w, "text", "") == "登录")

    await tap(app.screen("settings").ids.language)
    await frames(3)
    assert app.language == "en" and worker.language == "en"
    texts = _texts(app)
    assert not foreign(texts, "en", *NAMESPACES), foreign(texts, "en", *NAMESPACES)
    # kv layouts of screens not in view, and what code wrote, say their words again.
    assert sign_in.text == "Sign in"
    assert visit.message == "Saved; it will sync when online"
    assert app.screen("service").message == "Please describe it"
    assert app.screen("home").ids.search.hint_text == "Search name or address"
    assert app.screen("home").heading.startswith("Today's visits")
    assert "Proof of visit" in texts and "Start visit" in texts
    assert app.bar.badge in ("Online", "Offline")
    # The demo's visit titles are codes: the list words them in the app's language.
    listed = " ".join(row["what"] for row in app.screen("home").ids.list.data)
    assert "Visit to an elder living alone" in listed or "Home service" in listed
    assert "独居老人探访" not in listed and "上门服务" not in listed

    await tap(app.screen("settings").ids.language)
    await frames(3)
    assert not foreign(_texts(app), "zh", *NAMESPACES)
    assert sign_in.text == "登录" and visit.message == "已保存，将在联网后同步"


async def test_a_refusal_is_worded_from_its_code(tmp_path, server, start_app):  # noqa: F811
    worker = signed_in(tmp_path, server, "worker1")
    app = await start_app(worker)
    visits = worker.visits(status="assigned")
    closed, unknown = worker.start_visit(visits[0]["id"]), worker.start_visit(visits[1]["id"])
    # The server refused both: one with a code this phone knows, one with a newer code.
    worker.store.settle(
        [
            {
                "seq": closed,
                "status": "rejected",
                "error": {
                    "code": "visit_closed",
                    "message": "Cannot start this visit: it is approved.",
                },
            },
            {
                "seq": unknown,
                "status": "rejected",
                "error": {"code": "a_newer_code", "message": "The server's own words"},
            },
        ]
    )
    app.go("conflicts")
    await frames(2)
    shown = _texts(app)
    # Each refusal names what it was about (the resident, the visit) in the phone's words.
    closed_line = next(t for t in shown if words.word("error.visit_closed", "zh") in t)
    assert closed_line.startswith("• ") and "：" in closed_line
    assert any(t.endswith("The server's own words") for t in shown)  # for a code it lacks
    app.go("settings")
    await frames(2)
    await tap(app.screen("settings").ids.language)
    await frames(2)
    assert any(words.word("error.visit_closed", "en") in t for t in _texts(app))

"""Forms from the record, not from the last screen: driven through the real screens.

Two check-ins in a row each start from an empty form; a resident edited on another phone
shows the new values in the edit fields after a sync, before anyone presses save; a
completion without a summary is refused in words; a concurrent edit that lost is shown,
naming the resident and the field, with "keep mine" and "accept".
"""

from tests.support.ui import frames, tap, until
from tests.test_app import server, signed_in, start_app  # noqa: F401  (fixtures)

QUESTIONS = ("wb_good", "wb_fair", "wb_poor", "wb_emergency", "seen_yes", "seen_no")


async def synced(app) -> None:
    """Sync as "Sync now" does, and wait until that sync has ended and the screens have heard
    of it (from the sync thread, through the main thread)."""
    before = app.phone.store.meta("last_synced_at")
    app.sync_now()
    await until(
        lambda: not app.phone.state.running and app.phone.store.meta("last_synced_at") != before
    )
    await frames(3)


def _unanswered(screen) -> bool:
    ids = screen.ids
    return (
        all(ids[key].state == "normal" for key in QUESTIONS)
        and not (ids.gas.active or ids.water.active or ids.electricity.active)
        and ids.checkin_notes.text == ids.needs.text == ""
    )


async def test_two_check_ins_in_a_row_start_from_an_empty_form(tmp_path, server, start_app):  # noqa: F811
    worker = signed_in(tmp_path, server, "worker1")
    app = await start_app(worker)
    first, second = worker.visits(status="assigned")[:2]
    app.open_visit(first["id"])
    await frames(2)
    screen = app.screen("visit")
    assert _unanswered(screen)
    await tap(screen.ids.start)
    await tap(screen.ids.wb_poor)
    await tap(screen.ids.seen_no)
    await tap(screen.ids.gas)
    screen.ids.checkin_notes.text = "没有开门"
    await tap(screen.ids.save_checkin)
    assert screen.message == app.tr("saved")
    assert _unanswered(screen)  # saved, and the form is empty again
    await tap(screen.ids.wb_fair)  # half-filled, then the worker leaves for the next door
    app.open_visit(second["id"])
    await frames(2)
    assert _unanswered(screen), "the next resident starts with no answer chosen"
    await tap(screen.ids.save_checkin)
    assert screen.message == app.tr("choose_wellbeing")
    checkins = [r for r in worker.store.all("checkin") if r.get("visit_id") == first["id"]]
    assert [(c["wellbeing"], c["seen_in_person"]) for c in checkins] == [("poor", False)]
    # A completion needs a summary: the phone says so instead of queueing what the server
    # would refuse.
    await tap(screen.ids.start)
    pending = worker.store.pending_count()
    await tap(screen.ids.complete)
    assert screen.message == app.tr("summary_required")
    assert worker.store.pending_count() == pending


async def test_edit_fields_follow_another_phones_edit_and_the_loser_is_shown(
    tmp_path,
    server,  # noqa: F811
    start_app,  # noqa: F811
):
    worker = signed_in(tmp_path, server, "worker1")
    other = signed_in(tmp_path, server, "worker2")
    app = await start_app(worker)
    visit = worker.visits(status="assigned")[0]
    resident_id = visit["resident_id"]
    app.open_visit(visit["id"])
    await frames(2)
    screen = app.screen("visit")
    assert screen.ids.edit_phone.text == worker.resident(resident_id)["phone"]
    # Another phone changes the number; this one syncs while the screen is open.
    other.update_resident(resident_id, phone="13911112222", notes="女儿每周来")
    other.sync()
    await synced(app)
    assert screen.ids.edit_phone.text == "13911112222"
    assert screen.ids.edit_notes.text == "女儿每周来"
    # Saving now writes nothing back over the other phone's edit.
    await tap(screen.ids.save_resident)
    assert worker.store.pending_count() == 0

    # Both change the address offline; the later edit (worker2's) wins, and worker1's
    # phone shows its lost value, naming the resident and the field.
    screen.ids.edit_address.text = "幸福路1号"
    await tap(screen.ids.save_resident)
    other.sync()
    other.update_resident(resident_id, address="和平街2号")
    await synced(app)
    other.sync()
    await synced(app)
    assert worker.resident(resident_id)["address"] == "和平街2号"
    assert screen.ids.edit_address.text == "和平街2号"
    lost = [c for c in worker.conflicts() if c["field"] == "address"]
    assert [(c["yours"], c["kept"]) for c in lost] == [("幸福路1号", "和平街2号")]
    app.go("conflicts")
    await frames(2)
    page = app.screen("conflicts")
    texts = [w.text for w in page.walk() if hasattr(w, "text")]
    name = worker.resident(resident_id)["name"]
    assert any(name in t and app.tr("field_address") in t and "幸福路1号" in t for t in texts)
    keep = next(w for w in page.walk() if getattr(w, "text", "") == app.tr("keep_mine"))
    await tap(keep)
    assert worker.resident(resident_id)["address"] == "幸福路1号"  # a new edit, queued
    assert worker.conflicts() == []

"""The app's proof-of-visit and whole-job screens, offscreen, driven by touches, against the
real server in-process: photos, place, signature, a request's details, raising a request,
recording a service, and the supervisor's view of the proof."""

from PIL import Image

from tests import test_app
from tests.support.ui import frames, tap, until
from tests.test_app import signed_in, wait_sync

# The in-process server and the app starter of tests/test_app.py, used here as they are.
server = test_app.server
start_app = test_app.start_app


def photo_file(folder, n: int):
    path = folder / f"photo{n}.jpg"
    image = Image.new("RGB", (2400, 1800), (40 * n % 255, 120, 200))
    tags = Image.Exif()
    tags[0x010F] = "PhoneMaker"
    image.save(path, "JPEG", exif=tags)
    return path


async def sign_on(pad) -> None:
    """A finger drawing a short stroke across the signature pad."""
    from kivy.tests.common import UnitTestTouch

    x0, y = pad.to_window(pad.x + 30, pad.center_y)
    touch = UnitTestTouch(x0, y)
    touch.touch_down()
    for step in range(1, 8):
        touch.touch_move(x0 + step * 25, y + (12 if step % 2 else -12))
        await frames(1)
    touch.touch_up()
    await frames(2)


async def test_a_visit_with_photos_place_and_signature_then_approved_with_its_proof(
    tmp_path, server, start_app
):
    worker = signed_in(tmp_path, server, "worker1")
    supervisor = signed_in(tmp_path, server, "supervisor1")
    app = await start_app(worker)
    worker.network.fail_when = lambda request: True  # no signal
    visit_id = worker.visits(status="assigned")[0]["id"]
    app.open_visit(visit_id)
    await frames(3)
    screen = app.screen("visit")
    proof = screen.ids.proof
    await tap(screen.ids.start)
    for n in range(3):
        proof.add_photo_from(str(photo_file(tmp_path, n)))  # what the camera or chooser hands back
    await frames(2)
    assert proof.photos_text == "照片 3 张" and len(proof.ids.thumbs.children) == 3
    await tap(proof.ids.locate)
    await until(lambda: not proof.locating)
    assert proof.place == "未定位：没有GPS信号" or proof.place == "本机没有GPS，无法定位"
    await tap(proof.ids.sign)
    popup = next(w for w in app.root_window.children if hasattr(w, "section"))
    await tap(popup.ids.save)
    assert popup.message == "请先在框内签名"
    await sign_on(popup.ids.pad)
    await tap(popup.ids.save)
    assert proof.signature_text == "已签名"
    assert "4 个文件待上传" in proof.upload_text
    screen.ids.summary.text = "照片三张，本人签字"
    await tap(screen.ids.complete)
    assert worker.visit(visit_id)["status"] == "completed"
    worker.network.fail_when = None
    await tap(app.bar.ids.sync_button)
    await wait_sync(app)
    assert worker.store.pending_count() == 0, app.bar.problem
    app.open_visit(visit_id)
    await frames(2)
    assert proof.photos_text == "照片 3 张" and len(proof.ids.thumbs.children) == 3
    assert proof.upload_text == "已全部上传到服务器" and proof.ids.add_photo.disabled

    supervisor.sync()
    app.phone = supervisor
    app.go("approvals")
    await frames(3)
    row = next(
        r
        for r in app.screen("approvals").ids.entries.children
        if getattr(r, "visit_id", "") == visit_id
    )
    assert "照片 3 张 · 已签名" in row.proof_text and "已验证" in row.proof_text
    assert "没有GPS" in row.proof_text or "未定位" in row.proof_text
    assert len(row.ids.thumbs.children) == 4


async def test_request_details_raise_a_request_and_record_a_service(tmp_path, server, start_app):
    worker = signed_in(tmp_path, server, "worker1")
    app = await start_app(worker)
    request_visit = next(v for v in worker.visits() if v.get("request_id"))
    app.open_visit(request_visit["id"])
    await frames(3)
    screen = app.screen("visit")
    request = worker.store.get("request", request_visit["request_id"])
    assert request["description"] in screen.status_line  # what was reported, on the visit
    await tap(screen.ids.open_request)
    assert app.shell.ids.screens.current == "request"
    detail = app.screen("request")
    assert request["description"] in detail.details and request["caller_name"] in detail.details
    assert worker.category_name(request["category_code"]) in detail.details
    assert worker.local_time(request["due_at"]) in detail.details  # local, not UTC
    assert "受理" in detail.timeline

    app.open_visit(request_visit["id"])
    await frames(2)
    await tap(screen.ids.raise_request)
    form = app.screen("raiserequest")
    assert app.shell.ids.screens.current == "raiserequest"
    await tap(form.ids.submit)
    assert form.message == "请填写内容"
    form.ids.description.text = "楼道灯坏了，老人夜里看不见"
    await tap(form.ids.submit)
    assert form.message == "诉求已保存，联网后提交"

    app.open_visit(request_visit["id"])
    await frames(2)
    await tap(screen.ids.record_service)
    service = app.screen("service")
    service.ids.minutes.text = "30"
    service.ids.description.text = "帮老人更换灯泡"
    await tap(service.ids.submit)
    assert service.message == "已保存，将在联网后同步"
    assert worker.store.pending_count() == 2
    worker.sync()
    assert worker.rejections() == [] and worker.store.pending_count() == 0
    mine = [r for r in worker.store.all("service_record") if r["description"] == "帮老人更换灯泡"]
    assert mine and mine[0]["minutes"] == 30


async def test_settings_name_the_time_zone_from_the_server(tmp_path, server, start_app):
    app = await start_app(signed_in(tmp_path, server, "worker1"))
    app.go("settings")
    await frames(2)
    assert app.screen("settings").zone == "Asia/Shanghai"

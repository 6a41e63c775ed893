"""A serving process settles its heap after start-up (server/ops/heap.py); a test's apps do not."""

import gc

from server.app import create_app
from server.cli import serve_app
from server.ops import heap


def test_a_serving_process_freezes_its_start_up_heap_last(monkeypatch, tmp_path):
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    served = serve_app()
    assert served.on_startup[-1] is heap.settle  # after the runtime has started
    assert heap.settle not in create_app(served.state.settings).on_startup


def test_settling_moves_every_tracked_object_out_of_the_collectors_sight():
    before = gc.get_freeze_count()
    try:
        heap.settle()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()

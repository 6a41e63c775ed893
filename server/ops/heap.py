"""A serving process's heap, settled once it has started: what start-up made (the modules,
the app, its routes, the compiled statements; some 200,000 objects) is moved out of the
garbage collector's sight with `gc.freeze()`.

Python's collector walks every tracked object on each full collection, and a first-sync
page allocates enough (a thousand records, their rows and structs) to set one off every page
or two: with the start-up heap in view, a third of a first sync's CPU went to walking objects
that live as long as the process (measured in docs/benchmarks.md, "Issue 24: the lean sync
path"). Frozen objects are still freed by reference counting when dropped; only a cycle among
them would stay, and start-up's objects are kept to the end anyway.

Only `python -m server run` settles its processes (each worker its own, after its start-up):
a test suite makes hundreds of apps in one process, and freezing them all would keep them.
"""

import gc
import logging

log = logging.getLogger("doorstep.ops")


def settle() -> None:
    """Collect once, then freeze what is left (a Litestar start-up hook)."""
    gc.collect()
    gc.freeze()
    log.debug("heap settled: %d objects frozen", gc.get_freeze_count())

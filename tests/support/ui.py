"""Driving the Kivy app in tests: start it with async_run, tap widgets, let frames pass."""

import asyncio

from kivy.tests.common import UnitTestTouch


async def frames(n: int = 4) -> None:
    """Let Kivy draw and dispatch: async_run advances a frame whenever the loop is free."""
    for _ in range(n):
        await asyncio.sleep(1 / 60)


def _scroll_into_view(widget):
    """Scrolls the widget into view; returns its ScrollView (or None)."""
    parent = widget.parent
    # (Parents may be weak proxies, which isinstance does not see through.)
    while parent is not None and not hasattr(parent, "scroll_to"):
        parent = None if parent.parent is parent else parent.parent  # the Window is its own
    # A RecycleView only holds rows that are on screen already.
    if parent is not None and not hasattr(parent, "viewclass"):
        parent.scroll_to(widget, padding=20, animate=False)
        return parent
    return None


async def tap(widget) -> None:
    """A finger on the widget's centre, then lifted: the same events a phone sends.
    A widget below the fold is scrolled into view first, as a person would."""
    scroller = _scroll_into_view(widget)
    await frames(5)
    # The ScrollView's tap-or-scroll guess is timing-bound and flaky with synthetic touches;
    # with scrolling held still, it hands the touch straight to the widget under the finger.
    held = (scroller.do_scroll_x, scroller.do_scroll_y) if scroller is not None else None
    if scroller is not None:
        scroller.do_scroll_x = scroller.do_scroll_y = False
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    await frames(3)
    touch.touch_up()
    await frames(3)
    if scroller is not None:
        scroller.do_scroll_x, scroller.do_scroll_y = held


async def until(condition, seconds: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the app did not get there in time")
        await frames(1)

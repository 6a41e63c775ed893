"""`OPTIONS` names every method of its path, on every route the server has (the API, the
console, the residents' pages, Open311, the probes), over real HTTP on SQLite and PostgreSQL.

The third audit (issue 19) found `OPTIONS` without `Allow` on eight paths, and Litestar 2 naming
only the first handler's method of a path with several (litestar#4169, answered by
`server/app.py: allow_every_method`). The fuzzer checks the paths its schema shows; this walks
the app's own routes, the console's and the pages' too."""

import re

import httpx

from server.app import create_app

SAMPLE_ID = "1b2d6c1e-0000-4000-8000-000000000001"


def _concrete(path: str) -> str:
    """The route's path with a well-formed value for each of its parameters."""
    path = path.replace("{sha256:str}", "0" * 64)
    path = re.sub(r"\{day:[a-z]+\}", "2026-01-01", path)
    path = re.sub(r"\{[^}]+:path\}", "x.js", path)
    path = re.sub(r"\{[^}]+:int\}", "1", path)
    return re.sub(r"\{[^}]+\}", SAMPLE_ID, path)


def test_every_route_answers_options_with_all_its_methods(live_url, settings):
    routes = [route for route in create_app(settings).routes if hasattr(route, "methods")]
    assert len(routes) > 100  # the API, the console, the pages, Open311
    wrong = []
    with httpx.Client(base_url=live_url, timeout=30) as client:
        for route in routes:
            answer = client.options(_concrete(route.path))
            named = {m.strip() for m in answer.headers.get("allow", "").split(",") if m.strip()}
            if answer.status_code != 204 or not set(route.methods) - {"HEAD"} <= named:
                wrong.append((route.path, answer.status_code, sorted(named)))
    assert not wrong, wrong

"""The console is one router: its addresses are made from route names (none typed by hand
outside the router's prefix), its settings and its form reading exist once, its modules use
no other module's private names, and the dependency aliases come from `server/deps.py`."""

import ast
import re
from pathlib import Path

import pytest

from server.app import create_app
from server.console.forms import InvalidForm, parse
from server.console.strings import translator
from server.hotline.schemas import RatingBody, RequestCreate
from tests.support.server import database_state
from tests.test_console_bad_forms import _console

ROOT = Path(__file__).resolve().parent.parent
CONSOLE = ROOT / "server" / "console"
# The one place "/console" may be written: the router's prefix.
PREFIX_AT = ("server/console/urls.py", "/console")
COMMENT = re.compile(r"\{#.*?#\}", re.S)
URL_FOR = re.compile(r"""url_for\(\s*['"]([\w.]+)['"]""")
NAMED = re.compile(r"""\b(?:url|redirect)\(\s*request,\s*["']([\w.]+)["']""")


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module (f-strings' parts too), its docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def hand_typed(root: Path = ROOT) -> list[str]:
    """Every console address written out in the console's code, its templates and the
    console's links, apart from the router's prefix."""
    found = []
    sources = [*sorted((root / "server" / "console").glob("*.py"))]
    sources.append(root / "shared" / "console_links.py")
    for path in sources:
        name = path.relative_to(root).as_posix()
        for line, text in _strings(path):
            if "/console" in text and (name, text) != PREFIX_AT:
                found.append(f"{name}:{line}: {text!r}")
    for path in sorted((root / "server" / "console" / "templates").glob("*.html")):
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        for number, line in enumerate(text.splitlines(), 1):
            if "/console" in line:
                found.append(f"{path.relative_to(root).as_posix()}:{number}: {line.strip()}")
    return found


def test_no_console_address_is_typed_by_hand():
    found = hand_typed()
    assert not found, "make these addresses with url_for / urls.url:\n" + "\n".join(found)


def test_the_search_for_typed_addresses_finds_them(tmp_path):
    """A typed address in a handler or a template is found; a docstring or comment is not."""
    (tmp_path / "server" / "console" / "templates").mkdir(parents=True)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "console_links.py").write_text('LINKS = ("queue", "console.queue")\n')
    (tmp_path / "server" / "console" / "urls.py").write_text('PREFIX = "/console"\n')
    (tmp_path / "server" / "console" / "page.py").write_text(
        '"""Pages under /console/."""\n\ndef back(rid):\n    return f"/console/requests/{rid}"\n'
    )
    (tmp_path / "server" / "console" / "templates" / "x.html").write_text(
        '{# see /console/ #}\n<a href="/console/dashboard">x</a>\n'
    )
    assert hand_typed(tmp_path) == [
        "server/console/page.py:4: '/console/requests/'",
        'server/console/templates/x.html:2: <a href="/console/dashboard">x</a>',
    ]


def test_every_name_an_address_is_made_from_is_a_console_route():
    app = create_app()
    handlers = [
        (handler.name, route.path)
        for route in app.routes
        if route.path.startswith("/console")
        for handler in getattr(route, "route_handlers", [])
        if handler.http_methods != {"OPTIONS"}  # Litestar's own, made for every path
    ]
    unnamed = sorted(path for name, path in handlers if not name)
    assert not unnamed, f"console routes without a name: {unnamed}"
    routes = dict(handlers)
    assert all(name.startswith("console.") for name in routes), sorted(routes)
    used: set[str] = set()
    for path in CONSOLE.rglob("*"):
        if path.suffix in (".py", ".html"):
            text = path.read_text(encoding="utf-8")
            used |= set(URL_FOR.findall(text)) | set(NAMED.findall(text))
    from shared.console_links import CONSOLE_LINKS

    used |= {route for _, route, _ in CONSOLE_LINKS}
    assert {"console.queue", "console.request_page", "console.level_step"} <= used
    assert not used - set(routes), sorted(used - set(routes))


def test_console_settings_and_form_reading_exist_once():
    """Only the router sets what every page shares; only forms.py reads a form."""
    shared_settings = {"dependencies", "exception_handlers", "include_in_schema", "guards"}
    for path in sorted(CONSOLE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    targets = item.targets if isinstance(item, ast.Assign) else []
                    for target in targets:
                        assert not (
                            isinstance(target, ast.Name) and target.id in shared_settings
                        ), f"{path.name}: {node.name}.{target.id} belongs to the router"
            if path.name != "forms.py" and isinstance(node, ast.Attribute):
                call = node.attr
                owner = node.value.id if isinstance(node.value, ast.Name) else ""
                assert not (owner == "msgspec" and call == "convert"), f"{path.name} parses"
                assert not (owner == "request" and call == "form"), f"{path.name} reads a form"


def test_console_modules_use_no_private_name_of_another_module():
    for path in sorted(CONSOLE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("server"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"


def test_the_dependency_aliases_are_defined_once_in_server_deps():
    """Route modules name their dependencies' types by the aliases of server/deps.py; only
    auth and org, which deps itself imports, write NamedDependency out (an import cycle
    otherwise), and the pull's route its lean caller (server/sync/lean.py: deps may not
    import the sync engine, `test_no_domain_imports_the_sync_engine`)."""
    below_deps = ("server/auth/", "server/org/")
    lean_pull = "server/sync/routes.py"
    for path in sorted((ROOT / "server").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name == "server/deps.py" or name.startswith(below_deps):
            continue
        if name == lean_pull:
            text = path.read_text(encoding="utf-8")
            assert text.count("NamedDependency[") == 1, name  # the lean caller's, no more
            assert "NamedDependency[lean.Caller]" in text, name
            continue
        assert "NamedDependency" not in path.read_text(encoding="utf-8"), name


def test_a_refused_form_value_is_said_in_words():
    zh, en = translator("zh"), translator("en")
    with pytest.raises(InvalidForm) as refused:
        parse({"score": "9", "comment": "ok"}, RatingBody)
    assert refused.value.status == 400 and refused.value.code == "invalid_request"
    assert "<= 5" in refused.value.message  # the API's own message is kept
    assert refused.value.words(zh) == "评分不能大于5"
    assert refused.value.words(en) == "Score may be at most 5"
    with pytest.raises(InvalidForm) as refused:
        parse({"score": "  "}, RatingBody)  # blank is left out: the field is missing
    assert refused.value.words(zh) == "请填写评分"
    with pytest.raises(InvalidForm) as refused:
        parse({"channel": "pigeon", "caller_name": "张三"}, RequestCreate)
    assert refused.value.words(en).endswith("choose one of the options given")
    # Fields the struct lacks are ignored; given values win over the form's.
    body = parse({"score": "3", "_csrf_token": "x", "next": "/"}, RatingBody, comment="c")
    assert (body.score, body.comment) == (3, "c")


@pytest.mark.parametrize("lang, words", [("zh", "评分不能大于5"), ("en", "Score may be at most 5")])
async def test_a_refused_form_is_a_page_naming_the_field(api, lang, words):
    found = (await (await api.login("dispatcher")).get("/api/v1/requests")).json()
    client, csrf = await _console(api, "dispatcher", lang)
    try:
        before = await database_state(api)
        answer = await client.post(
            f"/console/requests/{found[0]['id']}/rating", data={"score": "9", "_csrf_token": csrf}
        )
        assert answer.status_code == 400 and "text/html" in answer.headers["content-type"]
        assert words in answer.text and 'id="error-detail"' in answer.text
        assert await database_state(api) == before
    finally:
        await client.aclose()

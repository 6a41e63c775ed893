"""The layout holds: no import cycle between the server's packages, the wings apart.

Imports are read from the sources (every `import` and `from … import`, at module level or
inside a function), so a cycle hidden behind a function-level import is found too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
    return found


def _node(module: str) -> str:
    """`server.visits.service` → `server.visits`; top-level modules stand for themselves."""
    return ".".join(module.split(".")[:2])


def package_graph(root: Path, top: str, skip: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    """Package → package it imports → one place that does it (file:line)."""
    graph: dict[str, dict[str, str]] = {}
    for path in sorted((root / top).rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in skip for part in relative.parts):
            continue
        source = _node(".".join(relative.with_suffix("").parts))
        for module, line in _imports(path):
            if module.split(".")[0] != top:
                continue
            target = _node(module)
            if target != source and target != top:
                graph.setdefault(source, {}).setdefault(target, f"{relative}:{line}")
    return graph


def cycles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """The strongly connected parts of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if node not in index:
            visit(node)
    return found


def _explain(graph, part: list[str]) -> str:
    return "; ".join(
        f"{a} → {b} ({graph[a][b]})" for a in part for b in part if b in graph.get(a, {})
    )


def test_no_cycle_between_server_packages():
    graph = package_graph(ROOT, "server", skip=("migrations",))
    assert graph, "the import graph came out empty"
    found = cycles(graph)
    assert not found, "\n".join(_explain(graph, part) for part in found)


def test_the_cycle_finder_finds_a_cycle_of_three():
    graph = {"a": {"b": "x"}, "b": {"c": "x"}, "c": {"a": "x"}, "d": {"a": "x"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b": "x"}, "b": {}}) == []


def test_the_db_layer_knows_neither_sync_nor_org():
    graph = package_graph(ROOT, "server")
    assert not set(graph.get("server.db", {})) - {"server.errors", "server.config", "server.clock"}


def test_no_domain_imports_the_sync_engine():
    """The sync engine reads the domains' declarations; only what stands above every domain
    (the app, the CLI, the console, the background round) imports it, and accounts, auth and
    org import nothing of sync/ or feed/ either."""
    graph = package_graph(ROOT, "server")
    above = {"server.app", "server.cli", "server.console", "server.ops"}
    users = {
        source: targets["server.sync"]
        for source, targets in graph.items()
        if "server.sync" in targets and source not in above
    }
    assert not users, users
    for low in ("server.accounts", "server.auth", "server.org"):
        reached = {"server.sync", "server.feed"} & set(graph.get(low, {}))
        assert not reached, {target: graph[low][target] for target in reached}


def test_every_module_takes_its_clock_from_server_clock():
    """One wall clock for the server: no module, the console's included, takes `utcnow` from
    the database layer or defines its own."""
    for top in ("server", "tests", "bench", "testbed"):
        for path in (ROOT / top).rglob("*.py"):
            if path in (ROOT / "server" / "clock.py", Path(__file__).resolve()):
                continue
            text = path.read_text()
            assert "def utcnow(" not in text, path.relative_to(ROOT)
            if top == "server":  # nor asks the system's clock itself
                assert "datetime.now(" not in text, path.relative_to(ROOT)
            for module, line in _imports(path):
                assert not (
                    module == "server.db.types" and "utcnow" in text.splitlines()[line - 1]
                ), f"{path.relative_to(ROOT)}:{line}"


def test_the_phone_core_imports_no_kivy_and_no_server():
    for path in (ROOT / "mobile" / "core").rglob("*.py"):
        for module, line in _imports(path):
            assert module.split(".")[0] not in ("kivy", "server"), f"{path.name}:{line} {module}"


def test_shared_imports_only_itself_and_libraries():
    for path in (ROOT / "shared").rglob("*.py"):
        for module, line in _imports(path):
            assert module.split(".")[0] not in ("kivy", "server", "mobile"), f"{path}:{line}"


def test_the_phone_package_ships_no_server_code():
    for path in (ROOT / "mobile").rglob("*.py"):
        for module, line in _imports(path):
            assert module.split(".")[0] != "server", f"{path.relative_to(ROOT)}:{line} {module}"


def test_no_module_grows_past_four_hundred_lines():
    long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for top in ("server", "shared", "mobile")
        for path in (ROOT / top).rglob("*.py")
        if "migrations" not in path.parts and (n := len(path.read_text().splitlines())) > 420
    ]
    assert not long, long


def test_the_server_imports_none_of_the_phones_or_the_benchmarks_packages():
    """httpx is the phone's and the tests' client, aiohttp and granian the benchmarks': none is
    among the server's dependencies in pyproject.toml, so the server must not need them."""
    foreign = {"httpx", "aiohttp", "granian", "kivy", "plyer", "playwright", "pytest"}
    for path in (ROOT / "server").rglob("*.py"):
        for module, line in _imports(path):
            top = module.split(".")[0]
            assert top not in foreign, f"{path.relative_to(ROOT)}:{line} imports {module}"

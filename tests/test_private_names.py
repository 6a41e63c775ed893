"""No module reaches into another module's private names (`_name`) across server/, shared/
and mobile/: neither `from x import _name` nor `x._name` on a module `x` of the project.

What another module needs is public in its own module; a private name may change without
a word to anyone. Read from the sources, like tests/test_architecture.py; names of libraries
and attributes of objects (`self._x`, `row._mapping`) are not this test's business.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("server", "shared", "mobile")
PROJECT = ("server", "shared", "mobile", "testbed")

# Exceptions (module, name): none. A name another module needs is public in its own module.
ALLOWED: set[tuple[str, str]] = set()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(root: Path, dotted: str) -> bool:
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a `from … import` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def reaches(root: Path, path: Path) -> list[tuple[int, str]]:
    """(line, `module._name`) for every private name of another project module the file uses."""
    module = _module_name(root, path)
    tree = ast.parse(path.read_text(), str(path))
    found: list[tuple[int, str]] = []
    modules: dict[str, str] = {}  # local name → the project module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, path.name == "__init__.py")
            if source.split(".")[0] not in PROJECT:
                continue
            for alias in node.names:
                if _private(alias.name) and source != module:
                    found.append((node.lineno, f"{source}.{alias.name}"))
                elif _is_module(root, f"{source}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PROJECT:
                    local = alias.asname or alias.name.split(".")[0]
                    modules[local] = alias.name if alias.asname else local
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _private(node.attr)):
            continue
        chain, value = [], node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in modules:
            target = ".".join([modules[value.id], *reversed(chain)])
            if _is_module(root, target) and target != module:
                found.append((node.lineno, f"{target}.{node.attr}"))
    return found


def test_no_module_uses_another_modules_private_names():
    seen, wrong = set(), []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for line, name in reaches(ROOT, path):
                seen.add((relative, name))
                if (relative, name) not in ALLOWED:
                    wrong.append(f"{relative}:{line} uses {name}")
    assert not wrong, "make the name public in its module, or keep it where it is used:\n" + (
        "\n".join(wrong)
    )
    stale = sorted(ALLOWED - seen)
    assert not stale, f"no longer used, take them out of ALLOWED: {stale}"


def test_the_finder_finds_each_way_in(tmp_path):
    package = tmp_path / "server" / "things"
    package.mkdir(parents=True)
    (tmp_path / "server" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "inner.py").write_text("_hidden = 1\nvisible = 2\n")
    (package / "outer.py").write_text(
        "import server.things.inner\n"
        "import server.things.inner as alias\n"
        "from server.things import inner\n"
        "from server.things.inner import _hidden, visible\n"
        "from .inner import _hidden as again\n"
        "import sqlalchemy\n"
        "_mine = server.things.inner._hidden + alias._hidden + inner._hidden + visible\n"
        "inner.visible, sqlalchemy._private, self_like._x, inner.__doc__, _mine\n"
    )
    found = sorted(reaches(tmp_path, package / "outer.py"))
    assert found == [
        (4, "server.things.inner._hidden"),
        (5, "server.things.inner._hidden"),
        (7, "server.things.inner._hidden"),
        (7, "server.things.inner._hidden"),
        (7, "server.things.inner._hidden"),
    ]
    assert reaches(tmp_path, package / "inner.py") == []

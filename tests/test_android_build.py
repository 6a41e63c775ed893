"""The Android build (buildozer.spec) against the phone's code: every module the phone imports,
from main.py down through mobile/ and shared/, is Python's own, one of ours, or named in
`requirements` (with what those packages need in turn); nothing desktop-only is shipped."""

import ast
import configparser
import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# Import names whose distribution (or python-for-android recipe) is named otherwise.
DISTRIBUTION = {"PIL": "pillow", "jnius": "pyjnius", "android": "android"}
# The requirements the pinned python-for-android (v2026.05.09) builds from its own recipes: each
# recipe brings what it needs. The rest are pure Python from PyPI, whose needs this test reads.
P4A_RECIPES = {
    "python3", "android", "pyjnius", "sqlite3", "openssl", "sdl2", "kivy", "msgspec",
    "cryptography", "cffi", "pycparser", "pillow", "httpx", "setuptools",
}  # fmt: skip
# Removed from the standard library by 3.13 (the pinned build is Python 3.14).
REMOVED_STDLIB = {
    "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "mailcap", "msilib", "nis",
    "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
    "lib2to3", "distutils", "asynchat", "asyncore", "imp", "smtpd",
}  # fmt: skip
# What the build runs on, for the markers of the packages' own requirements.
ANDROID_MARKERS = {
    "python_version": "3.14", "python_full_version": "3.14.2", "sys_platform": "android",
    "platform_system": "Android", "os_name": "posix", "implementation_name": "cpython",
    "platform_python_implementation": "CPython", "extra": "",
}  # fmt: skip


def spec() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "buildozer.spec", encoding="utf-8")
    return parser["app"]


def requirements() -> set[str]:
    names = set()
    for item in spec()["requirements"].split(","):
        names.add(re.split(r"[=<>!]", item.strip())[0].lower().replace("_", "-"))
    return names


def _optional(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """An import inside `try: … except ImportError` is a choice the code makes at run time."""
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.Try) and node in parent.body:
            for handler in parent.handlers:
                names = handler.type
                text = ast.unparse(names) if names is not None else ""
                if "ImportError" in text or "ModuleNotFoundError" in text:
                    return True
        node = parent
    return False


def imports_of(path: Path, module: str) -> set[str]:
    """Every module a file imports (function-level ones too), as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and not _optional(node, parents):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not _optional(node, parents):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" for alias in node.names)
    return found


def source_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def phone_modules() -> tuple[set[str], set[str]]:
    """Ours the phone reaches from main.py (and the kv files' `#:import`s), and the top-level
    names of everything else it imports."""
    ours, outside, todo = set(), set(), [("main", ROOT / "main.py")]
    for kv in (ROOT / "mobile").rglob("*.kv"):
        for line in kv.read_text(encoding="utf-8").splitlines():
            if line.startswith("#:import "):
                outside_or_ours = line.split()[2]
                todo.append((outside_or_ours, None))
    while todo:
        module, path = todo.pop()
        if module in ours:
            continue
        path = path or source_of(module)
        if path is None:
            top = module.split(".")[0]
            if top in ("mobile", "shared"):
                parent = module.rpartition(".")[0]  # `from x import name`: name is no module
                if parent:
                    todo.append((parent, None))
            else:
                outside.add(top)
            continue
        ours.add(module)
        for imported in imports_of(path, module):
            todo.append((imported, None))
    return ours, outside


def dist_requires(name: str) -> set[str]:
    """The packages a distribution needs on the phone (its markers read for Android)."""
    needed = set()
    for text in importlib.metadata.requires(name) or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(ANDROID_MARKERS):
            needed.add(requirement.name.lower().replace("_", "-"))
    return needed


def test_every_module_the_phone_imports_is_in_the_build():
    ours, outside = phone_modules()
    assert "mobile.ui.app" in ours and "shared.words" in ours and "mobile.core.sync" in ours
    required = requirements()
    stdlib = set(sys.stdlib_module_names) - {"sqlite3"}
    missing = []
    for top in sorted(outside):
        if top in ("mobile", "shared"):
            continue
        assert top not in REMOVED_STDLIB, f"the phone imports {top}, gone from Python 3.13+"
        if top == "sqlite3":  # the standard library's, but built by its own recipe
            assert "sqlite3" in required
            continue
        if top in stdlib:
            continue
        if DISTRIBUTION.get(top, top).lower() not in required:
            missing.append(top)
    assert not missing, f"imported by the phone but not in buildozer.spec requirements: {missing}"


def test_what_the_required_packages_need_is_required_too():
    required = requirements()
    for name in sorted(required - P4A_RECIPES):
        try:
            needs = dist_requires(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed on this machine: nothing to read its needs from
        assert needs <= required, f"{name} needs {sorted(needs - required)} on the phone too"


def test_nothing_desktop_only_is_imported_or_shipped():
    ours, outside = phone_modules()
    for banned in ("testbed", "server", "tests", "bench", "babel", "sqlmodel", "litestar"):
        assert banned not in outside, f"the phone imports {banned}"
        assert not any(module.split(".")[0] == banned for module in ours)
    app = spec()
    excluded = {name.strip() for name in app["source.exclude_dirs"].split(",")}
    assert {"server", "tests", "bench", "testbed", "build-android"} <= excluded
    assert not (ROOT / "mobile" / "screenshots.py").exists()  # the tool lives in testbed/


def test_the_build_starts_and_is_pinned():
    app = spec()
    assert (ROOT / app["source.dir"] / "main.py").is_file()
    main = (ROOT / "main.py").read_text(encoding="utf-8")
    assert "from mobile.__main__ import main" in main
    assert re.fullmatch(r"v\d{4}\.\d{2}\.\d{2}", app["p4a.branch"]), "p4a pinned to a release"
    for name in ("sqlite3", "tzdata", "msgspec", "cryptography", "pillow", "httpx"):
        assert name in requirements()
    assert (ROOT / app["p4a.local_recipes"]).is_dir()
    for key in ("android.res_xml", "p4a.hook"):
        assert (ROOT / app[key]).is_file(), key


def test_the_hook_declares_the_file_provider_once(tmp_path):
    loader = importlib.util.spec_from_file_location("p4a_hook", ROOT / spec()["p4a.hook"])
    hook = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(hook)
    manifest = tmp_path / "AndroidManifest.xml"
    manifest.write_text(
        '<manifest><application android:label="x"><activity/></application></manifest>', "utf-8"
    )
    assert hook.add_file_provider(manifest, "org.doorstep.doorstep") is True
    assert hook.add_file_provider(manifest, "org.doorstep.doorstep") is False
    text = manifest.read_text("utf-8")
    assert text.count("androidx.core.content.FileProvider") == 1
    assert 'android:authorities="org.doorstep.doorstep.fileprovider"' in text
    assert text.index("<provider") < text.index("</application>")
    paths = (ROOT / spec()["android.res_xml"]).read_text("utf-8")
    assert 'files-path name="camera" path="camera/"' in paths
    assert 'android:resource="@xml/doorstep_file_paths"' in text

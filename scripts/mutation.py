"""Mutation testing of the rules, one module at a time (`make mutation`; not in CI).

Each module is mutated by mutmut in its own scratch copy of the tree under var/mutation/, with
only the fast tests that hold that module, so the working tree is never touched and a run of one
module never pays for another's tests. Usage:

    python scripts/mutation.py                 # every module below, one after another
    python scripts/mutation.py hlc merge       # some of them
    python scripts/mutation.py --list          # the modules and their tests
    python scripts/mutation.py push --only 'server.sync.service.x_push__mutmut_*'   # one function

What each score means and the survivors that are equivalent: docs/testing.md.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutation"

RULES = "tests/test_shared_rules.py"
PERMISSIONS = [
    "tests/test_permissions_table.py",
    "tests/test_permissions_levels.py",
    "tests/test_permissions_accounts.py",
    "tests/test_permissions_funds.py",
    "tests/test_permissions_roles.py",
    "tests/test_permissions_phone.py",
]

# module name → (its file, the tests that hold it, extra pytest arguments)
MODULES: dict[str, tuple[str, list[str], list[str]]] = {
    "hlc": ("shared/hlc.py", [RULES, "tests/test_clock_edges.py"], []),
    "merge": ("shared/merge.py", [RULES, "tests/test_clock_edges.py"], []),
    "visits": (
        "shared/visits.py",
        [RULES, "tests/test_visit_transitions.py", "tests/test_visit_words.py"],
        [],
    ),
    "requests": ("shared/requests.py", ["tests/test_request_lifecycle.py"], []),
    "permissions": ("shared/permissions.py", [RULES, *PERMISSIONS], []),
    # The push path: its envelope with the tests that need no database, then each mutation's
    # checks with one push on SQLite.
    "push-envelope": ("server/sync/service.py", ["tests/test_push_envelope.py"], []),
    "push": (
        "server/sync/service.py",
        [
            "tests/test_push_refusals.py",
            "tests/test_push_bookkeeping.py",
            "tests/test_push_batch.py",
            "tests/test_sync_push.py",
            "tests/test_http_proof.py",
        ],
        ["-k", "sqlite"],
    ),
}

# The functions mutated by default: the push path without the pull (`pull`, `changes_for`,
# 163 mutants no push test is meant for). A mutant of a function the database tests reach costs
# a push on SQLite, seconds each; --whole mutates the module entire.
PUSH_PATH = "server.sync.service.x{}__mutmut_*"
SUBSETS: dict[str, list[str]] = {
    "push-envelope": [PUSH_PATH.format("_parse_push"), PUSH_PATH.format("__envelope_integers")],
    "push": [
        PUSH_PATH.format("_push"),
        PUSH_PATH.format("__rejected"),
        PUSH_PATH.format("_apply_one"),
        PUSH_PATH.format("_journal_row"),
        PUSH_PATH.format("_wanted_ids"),
        PUSH_PATH.format("__earlier_rejections"),
        PUSH_PATH.format("__uuid"),
        "server.sync.service.xǁ_Batchǁ*",
    ],
}

# Loaded into every test run of a scratch copy: mutmut runs a test many times in one process,
# and a mutation score must not hang on Hypothesis's luck, so examples are derandomised.
PROFILE = '''"""Hypothesis settings for mutation runs (written by scripts/mutation.py)."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "mutation",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.differing_executors],
)
settings.load_profile("mutation")
'''

COPIED_DIRS = ["shared", "server", "mobile", "testbed", "tests"]
COPIED = [*COPIED_DIRS, "pyproject.toml"]


def mutmut_section(path: str, tests: list[str], extra: list[str]) -> str:
    quoted = ", ".join(json.dumps(t) for t in tests)
    plugin = ["-p", "tests.mutation_profile", "-p", "no:cacheprovider"]
    args = ", ".join(json.dumps(a) for a in [*plugin, *extra])
    root = path.split("/")[0]
    copied = ", ".join(json.dumps(d + "/") for d in COPIED_DIRS if d != root)
    return (
        "\n[tool.mutmut]\n"
        f'source_paths = ["{root}/"]\n'
        f'only_mutate = ["{path}"]\n'
        f"pytest_add_cli_args_test_selection = [{quoted}]\n"
        f"pytest_add_cli_args = [{args}]\n"
        f"also_copy = [{copied}]\n"
        # Forked from a server that never ran the suite: forking straight from the process that
        # collected the stats let state from that run leak into the mutants' runs, and mutants
        # that a test kills on its own were reported as surviving.
        'process_isolation = "forkserver"\n'
    )


def prepare(name: str) -> Path:
    path, tests, extra = MODULES[name]
    tests = [t for t in tests if (ROOT / t).exists()]
    place = WORK / name
    shutil.rmtree(place, ignore_errors=True)
    place.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for entry in COPIED:
        source = ROOT / entry
        if source.is_dir():
            shutil.copytree(source, place / entry, ignore=ignore)
        else:
            shutil.copy2(source, place / entry)
    (place / "tests" / "mutation_profile.py").write_text(PROFILE, encoding="utf-8")
    with open(place / "pyproject.toml", "a", encoding="utf-8") as pyproject:
        pyproject.write(mutmut_section(path, tests, extra))
    return place


def run(name: str, whole: bool, only: list[str] | None = None) -> dict[str, int]:
    place = prepare(name)
    mutmut = Path(sys.executable).with_name("mutmut")
    # The demo district is built once for the run (by the first, unmutated test run) and
    # copied for each mutant's: a mutant's run then costs its tests, not a migration and seed.
    env = {**os.environ, "DOORSTEP_TEST_SQLITE_TEMPLATE": str(place / "var" / "template.db")}
    names = only or ([] if whole else SUBSETS.get(name, []))
    command = [str(mutmut), "run", "--max-children", "1", *names]
    subprocess.run(command, cwd=place, env=env, check=False)
    results = subprocess.run(
        [str(mutmut), "results", "--all", "true"],
        cwd=place,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    counts: dict[str, int] = {}
    for line in results.splitlines():
        if ":" in line:
            status = line.rsplit(":", 1)[1].strip()
            counts[status] = counts.get(status, 0) + 1
    (place / "results.txt").write_text(results, encoding="utf-8")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)}")
    parser.add_argument("--list", action="store_true", help="the modules and their tests")
    parser.add_argument("--whole", action="store_true", help="every function, not the subsets")
    parser.add_argument(
        "--only",
        action="append",
        metavar="GLOB",
        help="mutmut's names to run, e.g. 'server.sync.service.x_push__mutmut_*' (repeatable)",
    )
    options = parser.parse_args()
    if options.list:
        for name, (path, tests, extra) in MODULES.items():
            print(f"{name:12} {path:28} {' '.join(tests)} {' '.join(extra)}")
        return
    unknown = set(options.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    for name in options.modules or list(MODULES):
        if not any((ROOT / test).exists() for test in MODULES[name][1]):
            # An empty selection would make pytest run the whole suite: never that.
            print(f"{name}: none of its tests exists here; skipped")
            continue
        counts = run(name, options.whole, options.only)
        killed = counts.get("killed", 0) + counts.get("timeout", 0)
        # Mutants outside a subset stay "not checked": they are not counted.
        total = sum(counts.values()) - counts.get("skipped", 0) - counts.get("not checked", 0)
        score = 100 * killed / total if total else 0.0
        print(f"{name}: {killed}/{total} killed ({score:.0f} %) {counts}")
        print(f"  survivors: {WORK / name / 'results.txt'} (mutmut show <name> in that folder)")


if __name__ == "__main__":
    main()

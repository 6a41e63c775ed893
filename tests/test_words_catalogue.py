"""The one catalogue of words: both languages hold the same ids, each defined once, with the
same `{places}`; the compiled .mo say what their .po say; every id the console, the residents'
pages, Open311, the phone and the server's refusals use has words in both; one fallback rule."""

import ast
import gettext
import io
import os
import re
from pathlib import Path

from babel.messages.pofile import read_po

from server.console.exports import COLUMNS, DASHBOARD_FIGURES, DASHBOARD_GROUPS
from server.console.funds_pages import LEDGER_COLUMNS
from server.hotline.schemas import ActorCode, RequestAction
from shared import words
from shared.console_links import CONSOLE_LINKS
from shared.enums import Channel, Role, VisitKind, VisitStatus, Wellbeing
from shared.funds import FUND_CATEGORIES, FUND_SOURCES, ORGANISATION_KINDS
from shared.merge import RESIDENT_FIELDS
from shared.requests import Level, RequestStatus
from shared.visits import CANCEL_CODES, TITLE_CODES

ROOT = Path(__file__).resolve().parent.parent
NAMESPACES = {"console", "public", "phone", "error", "alert", "visit", "time"}
PLACES = re.compile(r"\{(\w*)\}")
# tr('key') in templates and code; the phone also says tell("key") and raises ValueError("key").
TR = re.compile(r"""\btr\(\s*["']([a-z_0-9]+)["']\s*[,)]""")
TELL = re.compile(r"""\b(?:tell|say)\(\s*["']([a-z_0-9]+)["']\s*[,)]""")
RAISED = re.compile(r"""raise ValueError\(\s*["']([a-z_0-9]+)["']\s*\)""")
# Codes a person can be refused with: Refusal("code", …), ProblemError(status, "code", …),
# rejected mutations; in shared/, the state machine's `code = "…"` (TransitionRefused).
CODES = re.compile(
    r"""(?:Refusal\(\s*|ProblemError\(\s*\d+,\s*|_rejected\([^,]+,\s*)["']([a-z_]+)["']"""
)
SHARED_CODES = re.compile(r"""\bcode = ["']([a-z_]+)["']""")
ALL_IDS = set().union(*(words.ids(language) for language in words.LANGUAGES))


def _po(language: str) -> Path:
    return words.LOCALE_DIR / language / "LC_MESSAGES" / "doorstep.po"


def _found(pattern: re.Pattern, folder: Path, *globs: str) -> set[str]:
    found: set[str] = set()
    for glob in globs:
        for path in folder.rglob(glob):
            found |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def _ids_in_use() -> set[str]:
    console = _found(TR, ROOT / "server" / "console", "*.html", "*.py")
    console |= {f"s_{s}" for s in RequestStatus} | {f"l_{level}" for level in Level}
    console |= {f"ch_{c}" for c in Channel} | {f"a_{a}" for a in RequestAction}
    console |= {f"actor_{a}" for a in ActorCode} | {"alert_missed_visit"}
    console |= {f"v_{s}" for s in VisitStatus} | {f"r_{r}" for r in Role}
    console |= {f"role_{r}" for r in Role} | {key for key, _, _ in CONSOLE_LINKS}
    console |= {f"fc_{c}" for c in FUND_CATEGORIES} | {f"ok_{k}" for k in ORGANISATION_KINDS}
    console |= {f"src_{s}" for s in FUND_SOURCES} | {"e_other"}
    # A refused form value's problem (server/console/forms.py names them as "fe_…").
    console |= _found(re.compile(r'"(fe_[a-z_]+)"'), ROOT / "server" / "console", "forms.py")
    # The CSV downloads' headers and group words.
    console |= {f"csv_{c}" for c in COLUMNS} | {
        c if c != "fc" else "category" for c in LEDGER_COLUMNS
    }
    console |= {*DASHBOARD_GROUPS.values(), *DASHBOARD_FIGURES.values(), "dash_group", "dash_name"}
    public = _found(TR, ROOT / "server" / "public", "*.html", "*.py")
    public |= _found(TR, ROOT / "server" / "open311", "*.py")
    public |= {f"s_{s}" for s in RequestStatus} | {f"a_{a}" for a in RequestAction}
    public |= {f"score_{n}" for n in range(1, 6)} | {"by_staff", "e_other"}
    phone = _found(TR, ROOT / "mobile", "*.py", "*.kv") | _found(TELL, ROOT / "mobile", "*.py")
    phone |= _found(RAISED, ROOT / "mobile", "*.py")
    phone |= {f"status_{s}" for s in VisitStatus} | {f"kind_{k}" for k in VisitKind}
    phone |= {f"wb_{w}" for w in Wellbeing} | {f"field_{f}" for f in RESIDENT_FIELDS}
    phone |= {f"req_{s}" for s in RequestStatus}
    errors = _found(CODES, ROOT / "server", "*.py") | _found(SHARED_CODES, ROOT / "shared", "*.py")
    return (
        {f"console.{k}" for k in console}
        | {f"public.{k}" for k in public}
        | {f"phone.{k}" for k in phone}
        | {f"error.{code}" for code in errors}
        | {"alert.missed_visit"}
        | {f"visit.title_{code}" for code in TITLE_CODES}
        | {f"visit.cancel_{code}" for code in CANCEL_CODES}
        | {"time.day", "time.day_year"}
        | {f"time.month_{n}" for n in range(1, 13)}
    )


def test_every_id_in_use_has_words_in_both_languages():
    in_use = _ids_in_use()
    # The scan itself finds ids (a broken pattern would pass vacuously).
    assert {"console.queue", "public.report_title", "phone.sync_now", "phone.saved"} <= in_use
    assert {"error.visit_closed", "error.over_budget", "error.out_of_scope"} <= in_use
    for language in words.LANGUAGES:
        missing = sorted(i for i in in_use if not words.has(i, language))
        assert not missing, f"ids without {language} words: {missing}"


def test_both_catalogues_hold_the_same_ids_with_the_same_places():
    chinese, english = (words.ids(language) for language in words.LANGUAGES)
    assert chinese == english, sorted(chinese ^ english)
    for message_id in chinese:
        assert message_id.split(".")[0] in NAMESPACES, message_id
        zh, en = words.word(message_id, "zh"), words.word(message_id, "en")
        assert zh.strip() and en.strip(), message_id
        assert set(PLACES.findall(zh)) == set(PLACES.findall(en)), message_id


def test_no_id_is_defined_twice():
    for language in words.LANGUAGES:
        defined = re.findall(r'^msgid "(.+)"$', _po(language).read_text("utf-8"), re.M)
        twice = sorted({i for i in defined if defined.count(i) > 1})
        assert not twice, f"{language}: {twice}"


def test_the_compiled_catalogues_say_what_their_sources_say(tmp_path, monkeypatch):
    """What the server and phone read (compiled in memory, or the `.mo` that `make words`
    writes for the Android build) says what the .po says; a stale `.mo` is never read."""
    for language in words.LANGUAGES:
        with _po(language).open("rb") as source:
            catalogue = read_po(source)
        written = {m.id: m.string for m in catalogue if m.id}
        translations = gettext.GNUTranslations(io.BytesIO(words.compiled(language)))
        assert {i: translations.gettext(i) for i in written} == written, language
        assert len(words.ids(language)) == len(written), language
    # A .mo older than its .po (edited after `make words`) is passed over for the .po.
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "doorstep.mo").write_bytes(b"stale")
    (folder / "doorstep.po").write_bytes(_po("zh_CN").read_bytes())
    os.utime(folder / "doorstep.mo", (1, 1))
    monkeypatch.setattr(words, "LOCALE_DIR", tmp_path)
    assert (
        gettext.GNUTranslations(io.BytesIO(words.compiled("zh_CN"))).gettext("console.login")
        == "登录"
    )


def test_one_fallback_rule():
    # Any language that is not English reads Chinese; English in any spelling reads English.
    for code in ("zh", "zh_CN", "zh-Hans", "", None, "fr", "xx"):
        assert words.catalogue_language(code) == words.CHINESE, code
        assert words.word("console.login", code) == "登录"
    for code in ("en", "en_GB", "en-US", "EN"):
        assert words.word("console.login", code) == "Sign in", code
    # An id no catalogue has comes back as itself: never the other language's words.
    assert words.word("console.no_such_key", "en") == "console.no_such_key"
    assert not words.has("console.no_such_key")
    assert words.translator("public", "en")("rated", score=4) == "Your score: 4/5"


def test_no_word_module_is_left_outside_the_catalogue():
    """The words live in shared/locale only: no table of (Chinese, English) pairs in code."""
    pair = re.compile(r'"[a-z_]+": \(\s*"[^"]*[\u4e00-\u9fff][^"]*",\s*"[^"]*"')
    for folder in ("server", "mobile", "shared"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                text = path.read_text(encoding="utf-8")
                assert not pair.search(text), f"{path.relative_to(ROOT)} keeps its own words"


def test_the_phone_build_carries_the_compiled_catalogues_and_needs_no_babel():
    """The Android build packs the .mo that `make apk` compiles first (build output, not in
    git); the phone's code reads them with the standard library and never imports Babel
    (shared/words.py reaches for it only when no up-to-date .mo is there)."""
    spec = (ROOT / "buildozer.spec").read_text(encoding="utf-8")
    exts = re.search(r"^source.include_exts = (.*)$", spec, re.M)[1].split(",")
    assert "mo" in exts and "shared/*" in spec
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^apk: words$", make, re.M)
    for folder in ("mobile", "shared"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name != "words.py":
                assert not re.search(r"^\s*(from|import) babel", path.read_text("utf-8"), re.M)


def _imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_shared_words_reads_the_catalogues():
    """Translation exists once: no module but shared/words.py opens a catalogue (gettext)."""
    one = ROOT / "shared" / "words.py"
    for folder in ("server", "mobile", "shared", "testbed"):
        for path in (ROOT / folder).rglob("*.py"):
            if path != one:
                assert not {"gettext", "babel.support"} & _imported(path), path.relative_to(ROOT)

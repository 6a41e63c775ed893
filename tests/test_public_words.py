"""The residents' pages speak words, not keys: every key they use has Chinese and English, and
no page, in either language, shows a raw key."""

import re
from pathlib import Path

from server.hotline.schemas import RequestAction
from shared.phones import PhoneProblem
from shared.requests import RequestStatus
from shared.words import pairs
from tests.support.public import REPORT

STRINGS = pairs("public")  # key → (zh, en)
ROOT = Path(__file__).resolve().parent.parent
LITERAL_KEY = re.compile(r"""\btr\(\s*["']([a-z_0-9]+)["']\s*[,)]""")
RAW = re.compile(r"\b(?:s|a|by|e|n|score)_[a-z_0-9]+\b")
ROLES = {"resident", "system", "dispatcher", "supervisor", "worker", "mentor", "admin", "staff"}


def _keys() -> set[str]:
    keys: set[str] = set()
    for pattern in ("*.html", "*.py"):
        for path in (ROOT / "server" / "public").rglob(pattern):
            keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    keys |= {f"s_{s}" for s in RequestStatus} | {f"a_{a}" for a in RequestAction}
    keys |= {f"by_{r}" for r in ROLES} | {f"score_{n}" for n in range(1, 6)}
    # A refused field's words (`form_errors`): what is wrong with it, a phone's problems.
    keys |= {f"phone_{p}" for p in PhoneProblem}
    keys |= {"fe_field", "fe_missing", "fe_too_short", "fe_too_long", "fe_format"}
    keys |= {"fe_lookup_missed", "n_resolved", "qr_title", "number", "phone"}
    # The refusals a page explains (`to_error_page` picks `e_<code>`, else `e_other`).
    keys |= {
        f"e_{code}"
        for code in (
            "invalid_request",
            "unknown_category",
            "not_found",
            "invalid_transition",
            "csrf_failed",
            "rate_limited",
            "other",
        )
    }
    return keys


def test_every_key_has_chinese_and_english():
    keys = _keys()
    assert {"report_title", "s_closed", "e_rate_limited"} <= keys
    missing = sorted(k for k in keys if k not in STRINGS)
    assert not missing, missing
    for key in keys:
        zh, en = STRINGS[key]
        assert zh.strip() and en.strip(), key


async def test_no_page_shows_a_raw_key(api):
    token = (await api.client.post("/api/v1/public/requests", json=REPORT)).json()["tracking_token"]
    for lang in ("zh", "en"):
        api.client.cookies.set("doorstep_lang", lang)
        for path in (
            "/public/",
            f"/public/track/{token}?new=1",
            "/public/catalogue?community=D01-S01-C01",
            "/public/track/nothing-here",
            "/public/no-such-page",
            "/public/lookup",
        ):
            page = await api.client.get(path)
            assert page.headers["content-type"].startswith("text/html"), path
            body = re.sub(r"<[^>]+>", " ", page.text.split("<body>", 1)[1])
            assert not RAW.findall(body), (lang, path, RAW.findall(body))
        assert ("Report a problem" in page.text) == (lang == "en")

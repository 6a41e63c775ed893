"""Words at the edge: every key the console and the phone app use has Chinese and English words,
and no console page, in either language, shows a raw key or a dotted category code."""

import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx

from server.clock import utcnow
from server.hotline import service as hotline
from server.hotline.schemas import ActorCode, RequestAction
from server.plans import service as plans
from shared.console_links import CONSOLE_LINKS
from shared.enums import Channel, Role, VisitKind, VisitStatus, Wellbeing
from shared.gender import GENDERS
from shared.merge import RESIDENT_FIELDS
from shared.requests import Level, RequestStatus
from shared.words import pairs
from tests.support.server import PASSWORD

APP_STRINGS, CONSOLE_STRINGS = pairs("phone"), pairs("console")  # key → (zh, en)

ROOT = Path(__file__).resolve().parent.parent
LITERAL_KEY = re.compile(r"""\btr\(\s*["']([a-z_]+)["']\s*[,)]""")


def _literal_keys(folder: Path, *patterns: str) -> set[str]:
    keys: set[str] = set()
    for pattern in patterns:
        for path in folder.rglob(pattern):
            keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def _console_keys() -> set[str]:
    """Keys written out in the console's templates and code, and those made from codes."""
    keys = _literal_keys(ROOT / "server" / "console", "*.html", "*.py")
    keys |= {f"s_{s}" for s in RequestStatus} | {f"l_{level}" for level in Level}
    keys |= {f"ch_{c}" for c in Channel} | {f"a_{a}" for a in RequestAction}
    keys |= {f"actor_{a}" for a in ActorCode} | {"alert_missed_visit"}
    keys |= {f"v_{s}" for s in VisitStatus} | {f"r_{r}" for r in Role}
    keys |= {key for key, _, _ in CONSOLE_LINKS}
    keys |= {f"field_{f}" for f in RESIDENT_FIELDS}  # the conflict log's fields
    return keys


def _app_keys() -> set[str]:
    keys = _literal_keys(ROOT / "mobile", "*.py", "*.kv")
    keys |= {f"status_{s}" for s in VisitStatus} | {f"kind_{k}" for k in VisitKind}
    keys |= {f"wb_{w}" for w in Wellbeing} | {f"field_{f}" for f in RESIDENT_FIELDS}
    keys |= {f"gender_{g}" for g in GENDERS}
    return keys


def test_every_key_has_chinese_and_english_words():
    for table, keys in ((CONSOLE_STRINGS, _console_keys()), (APP_STRINGS, _app_keys())):
        missing = sorted(k for k in keys if k not in table)
        assert not missing, f"keys without words: {missing}"
        for key in keys:
            zh, en = table[key]
            assert zh.strip() and en.strip(), key
    # The scan itself finds the keys (a broken pattern would pass vacuously).
    assert {"queue", "a_received", "n_escalated"} <= _console_keys()
    assert {"sync_now", "status_assigned"} <= _app_keys()


class _Text(HTMLParser):
    """The text a person reads on a page (not tags, attributes, styles or scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "title", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


RAW_KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")  # a_received, s_dispatched, export_csv …
CATEGORY_CODE = re.compile(r"\b[a-z]+\.[a-z_]+\b")  # repair.heating …
ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")  # a lowercase word on a Chinese page is a key


def _assert_words(html: str, lang: str, where: str) -> None:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    assert not RAW_KEY.findall(text), f"{where} ({lang}) shows raw keys {RAW_KEY.findall(text)}"
    codes = CATEGORY_CODE.findall(text)
    assert not codes, f"{where} ({lang}) shows category codes {codes}"
    if lang == "zh":
        english = ENGLISH_WORD.findall(text)
        assert not english, f"{where} (zh) shows untranslated words {english}"


async def _console(api, username: str, lang: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    )
    client.cookies.set("doorstep_lang", lang)
    login = await client.get("/console/login")
    _assert_words(login.text, lang, "login")
    csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
    signed_in = await client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "_csrf_token": csrf},
    )
    assert signed_in.status_code == 303, (username, lang, signed_in.cookies, login.headers)
    return client


async def _requests_in_states(api) -> list[str]:
    """One request in each state the demo has, and an escalated one, reopened one."""
    dispatcher = await api.login("dispatcher")
    found = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    chosen = {}
    for request in found:
        chosen.setdefault(request["status"], request["id"])
    # Verified, the resident told, rated poorly: reopened.
    resolved = [r["id"] for r in found if r["status"] == "resolved"]
    supervisor = await api.login("supervisor1")
    verify = f"/api/v1/requests/{resolved[-1]}/verify"
    assert (await supervisor.post(verify, json={"decision": "approve"})).status_code == 200
    path = f"/api/v1/requests/{resolved[-1]}"
    await dispatcher.post(f"{path}/feedback", json={"note": "已告知"})
    rated = await dispatcher.post(f"{path}/rating", json={"score": 1, "comment": "没修好"})
    assert rated.json()["reopened"] == 1
    chosen["reopened"] = resolved[-1]
    async with api.runtime.sessions() as session, session.begin():
        escalated = await hotline.escalate_overdue(session, utcnow() + timedelta(days=30))
        await hotline.escalate_overdue(session, utcnow() + timedelta(days=60))
    chosen["escalated"] = str(escalated[0].id)
    assert {"received", "dispatched", "assigned", "resolved", "closed"} <= set(chosen)
    return list(chosen.values())


async def test_no_console_page_shows_a_raw_key_or_code(api):
    ids = await _requests_in_states(api)
    async with api.runtime.sessions() as session, session.begin():
        # Missed visits: the supervision page lists alerts (in words).
        await plans.raise_missed(session, utcnow() + timedelta(days=3))
    mentor = await api.login("mentor1")
    mentored = (await mentor.get("/api/v1/residents", params={"limit": 1000})).json()
    for lang in ("zh", "en"):
        for username in ("dispatcher", "supervisor1", "admin", "mentor1", "worker1"):
            client = await _console(api, username, lang)
            pages = ["/console/", "/console/supervise", "/console/dashboard"]
            pages += ["/console/?overdue=1", "/console/?status=resolved"]
            pages += ["/console/mentoring"] + [f"/console/mentoring/{r['id']}" for r in mentored]
            pages += [f"/console/requests/{i}" for i in ids]
            pages += ["/console/dashboard?from=2000-01-01&to=2000-01-02", "/console/nowhere"]
            try:
                for path in pages:
                    response = await client.get(path)
                    # Each page opens, or answers in words why not (never JSON, never a 500).
                    assert response.status_code < 500, (path, response.text[:300])
                    assert "text/html" in response.headers["content-type"], path
                    _assert_words(response.text, lang, f"{username} {path}")
            finally:
                await client.aclose()


async def test_pages_lead_to_the_login_without_a_session(api):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    ) as client:
        for path in (
            "/console/",
            "/console/supervise",
            "/console/dashboard",
            "/console/export.csv",
        ):
            response = await client.get(path)
            assert response.status_code in (302, 303), path
            assert response.headers["location"].endswith("/console/login"), path
        response = await client.get(f"/console/requests/{uuid.uuid4()}")
        assert response.headers["location"].endswith("/console/login")
        response = await client.post(f"/console/requests/{uuid.uuid4()}/dispatch", data={})
        assert response.headers["location"].endswith("/console/login")


async def test_a_visit_title_the_server_made_reads_in_the_readers_language(api):
    """The demo's completed check-ins carry the code `elder_visit`: the supervisor's queue words
    it in Chinese or English, and English dates are English."""
    for lang, title, other in (
        ("zh", "独居老人探访", "Visit to an elder living alone"),
        ("en", "Visit to an elder living alone", "独居老人探访"),
    ):
        client = await _console(api, "supervisor1", lang)
        try:
            page = (await client.get("/console/supervise")).text
        finally:
            await client.aclose()
        assert title in page and other not in page, lang
        if lang == "en":
            assert not re.search(r"\d+月\d+日", page)

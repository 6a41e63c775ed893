"""The request list's CSV and xlsx made a chunk of requests at a time (a year's export never
holds the year in memory): every request the list shows, once, in its order, however many
chunks it takes; the CSV gzip-encoded as one stream over many pieces, the xlsx a workbook
made in write-only mode, its temporary file gone once sent. Real HTTP on loopback."""

import csv
import gzip
import io
import re
import tempfile
from pathlib import Path

import httpx
from openpyxl import load_workbook
from sqlalchemy import func, select

from server.console import listing
from server.hotline.tables import HotlineRequest
from tests.support.server import PASSWORD


def _signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    client.cookies.set("doorstep_lang", "zh")
    login = client.get("/console/login")
    csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
    client.post(
        "/console/login",
        data={"username": "dispatcher", "password": PASSWORD, "_csrf_token": csrf},
    )
    return client


def test_a_whole_export_comes_in_chunks(live_url, settings, monkeypatch):
    import asyncio

    from server.db.sessions import create_engine_for, session_factory

    async def count() -> tuple[int, list[str]]:
        engine = create_engine_for(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                total = await session.scalar(select(func.count()).select_from(HotlineRequest))
                numbers = (
                    await session.scalars(
                        select(HotlineRequest.number).order_by(
                            HotlineRequest.received_at.desc(), HotlineRequest.id.desc()
                        )
                    )
                ).all()
                return total, list(numbers)
        finally:
            await engine.dispose()

    total, numbers = asyncio.run(count())
    monkeypatch.setattr(listing, "EXPORT_CHUNK", 7)  # the live server runs in this process
    left_before = set(Path(tempfile.gettempdir()).glob("doorstep-export-*"))
    client = _signed_in(live_url)
    try:
        with client.stream(
            "GET", "/console/export.csv", headers={"accept-encoding": "gzip"}
        ) as answer:
            assert answer.status_code == 200
            assert answer.headers["content-encoding"] == "gzip"
            raw = b"".join(answer.iter_raw())
        text = gzip.decompress(raw).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert "编号" in rows[0][0] or rows[0][0] == "编号"
        assert [row[0] for row in rows[1:]] == numbers and len(rows) == total + 1
        book = client.get("/console/export.xlsx")
        assert book.status_code == 200
        sheet = load_workbook(io.BytesIO(book.content)).active
        shown = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert shown == numbers
        assert sheet.freeze_panes == "A2"
    finally:
        client.close()
    assert set(Path(tempfile.gettempdir()).glob("doorstep-export-*")) <= left_before

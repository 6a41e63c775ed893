"""Placing an address by the address library (标准地址库), at the demo's size and at a large
city's: the demo district, then N more library rows (streets of their own across the 99
communities), each time `placement` timed for a placed, a shared and an unknown address.

    python -m bench.addresses [--database sqlite|postgresql] [--rows 50000] [--rounds 200]

Prints one line per library size and address: median and p95 of one placement (a read of the
rows whose street the address contains, and the matcher)."""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from bench.databases import pg_create, pg_drop, sqlite_url
from server.addresses.service import placement
from server.addresses.tables import StreetAddress
from server.db.sessions import create_engine_for, session_factory
from server.org.tables import OrgUnit
from testbed import build_demo, cheap_settings

ADDRESSES = {
    "placed (解放路12号)": "解放路12号",
    "shared (解放大街菜市场)": "解放大街菜市场",
    "unknown (月亮湾小区3栋)": "月亮湾小区3栋",
}


async def _add_rows(url: str, count: int) -> int:
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            communities = (
                await session.scalars(select(OrgUnit.id).where(OrgUnit.level == "community"))
            ).all()
            for n in range(count):
                session.add(
                    StreetAddress(
                        community_id=communities[n % len(communities)],
                        street=f"测试{n}号楼路"[:60] if n % 2 else f"第{n}巷",
                        first=1,
                        last=100,
                    )
                )
            await session.flush()
            return await session.scalar(select(func.count()).select_from(StreetAddress))
    finally:
        await engine.dispose()


async def _time(url: str, rounds: int) -> dict[str, list[float]]:
    engine = create_engine_for(url)
    took: dict[str, list[float]] = {name: [] for name in ADDRESSES}
    try:
        for _ in range(rounds):
            for name, address in ADDRESSES.items():
                async with session_factory(engine)() as session:
                    start = time.perf_counter()
                    await placement(session, address)
                    took[name].append((time.perf_counter() - start) * 1000)
    finally:
        await engine.dispose()
    return took


def _report(size: int, took: dict[str, list[float]]) -> None:
    for name, values in took.items():
        values.sort()
        p95 = values[max(0, int(len(values) * 0.95) - 1)]
        print(
            f"  {size:>6} rows  {name:<28} median {statistics.median(values):6.2f} ms"
            f"  p95 {p95:6.2f} ms",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.addresses")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="doorstep-addresses-"))
    name = f"doorstep_bench_{uuid.uuid4().hex[:8]}"
    url = sqlite_url(folder / "d.db") if args.database == "sqlite" else pg_create(name)
    try:
        print(f"building the demo district on {args.database} …", file=sys.stderr, flush=True)
        build_demo(url, cheap_settings(url))
        print(f"{args.database}: placing an address ({args.rounds} rounds)", flush=True)
        _report(312, asyncio.run(_time(url, args.rounds)))
        print(f"adding {args.rows} library rows …", file=sys.stderr, flush=True)
        size = asyncio.run(_add_rows(url, args.rows))
        _report(size, asyncio.run(_time(url, args.rounds)))
    finally:
        if args.database == "postgresql":
            pg_drop(name)


if __name__ == "__main__":
    main()

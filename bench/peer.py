"""Doorstep's sync against the peer, in one run: `python -m bench.peer [--only sqlite|postgresql]
[--records 10000] [--write]`.

The peer is PouchDB 9 in Node replicating with pouchdb-server 4.2 (its LevelDB store on disk),
the offline-first pair the sync engine is measured against (issue 24). Both sides get the same
work:

- (a) a new phone's first sync of one worker's scope: on the peer's side the very records
  Doorstep's pull gives worker1 (10,076 of them), one document each, loaded into the peer's
  server beforehand;
- (b) 10,000 check-ins made on the phone, pushed in batches of 500 (PouchDB replicates them
  with `batch_size: 500`);
- (c) a sync when nothing changed, p50 of 200 (PouchDB's `sync`, both directions).

Doorstep's side is `bench.sync`'s run (the phone's real SyncClient and encrypted store against
`python -m server run`), on SQLite and on PostgreSQL. The peer's phone keeps its documents in
memory (`pouchdb-adapter-memory`: no disk, no encryption), which favours the peer. The Node
packages are pinned in bench/pouchdb/package.json and installed there on first use (`npm ci`, 35 s).
"""

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.results import commit, write_section

TITLE = "## Against the peer: PouchDB"
PEER = Path(__file__).parent / "pouchdb"
EMPTY_SYNCS = 200
TARGETS = {"initial": 10.0, "push": 1.8, "empty": 6.0}  # issue 24's "Done when"


def node_packages() -> None:
    """bench/pouchdb/node_modules, from the lock file (the registry is npm's). Without the
    packages' install scripts: LevelDB's binding ships built for Linux, and the one script
    that would run long compiles SQLite for pouchdb-server's `--sqlite`, which is not used."""
    if (PEER / "node_modules" / "pouchdb-server").exists():
        return
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=PEER, check=True
    )


def scope_documents(port: int, password: str) -> list[dict]:
    """Every record worker1's pull gives, as PouchDB documents (`_id` entity:id)."""
    documents = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        login = http.post(
            "/api/v1/auth/login",
            json={"username": "worker1", "password": password, "device_id": str(uuid.uuid4())},
        ).json()
        headers = {"authorization": f"Bearer {login['access_token']}"}
        cursor = None
        while True:
            params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            page = http.get("/api/v1/sync/pull", params=params, headers=headers).json()
            for change in page["changes"]:
                if change["op"] == "put":
                    documents.append(
                        {
                            **change["data"],
                            "_id": f"{change['entity']}:{change['id']}",
                            "entity": change["entity"],
                        }
                    )
            cursor = page["cursor"]
            if not page["has_more"]:
                return documents


def check_ins(documents: list[dict], count: int) -> list[dict]:
    """The check-ins bench.sync's phone records, as documents."""
    residents = [d["_id"].split(":", 1)[1] for d in documents if d["entity"] == "resident"][:500]
    return [
        {
            "_id": f"checkin:{uuid.uuid4()}",
            "entity": "checkin",
            "resident_id": residents[n % len(residents)],
            "at": "2026-11-27T10:00:00Z",
            "seen_in_person": True,
            "wellbeing": "good",
            "notes": "基准推送",
        }
        for n in range(count)
    ]


def run_peer(records: int, folder: Path) -> dict:
    """The peer's figures, on the same scope Doorstep serves."""
    from bench.network import build
    from testbed import DEMO_PASSWORD, free_port, spawn_server

    folder.mkdir(parents=True)
    url = f"sqlite+aiosqlite:///{folder / 'scope.db'}"
    build(url, records)
    port = free_port()
    server = spawn_server(url, port)
    try:
        documents = scope_documents(port, DEMO_PASSWORD)
    finally:
        server.terminate()
        server.wait(10)
    (folder / "records.json").write_text(json.dumps(documents, ensure_ascii=False))
    (folder / "pushes.json").write_text(
        json.dumps(check_ins(documents, records), ensure_ascii=False)
    )
    node_packages()
    port = free_port()
    (folder / "peer").mkdir()
    peer = subprocess.Popen(
        [
            str(PEER / "node_modules" / ".bin" / "pouchdb-server"),
            "--port",
            str(port),
            "--dir",
            str(folder / "peer"),
            "--no-stdout-logs",
        ],
        cwd=folder / "peer",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or peer.poll() is not None:
                    raise RuntimeError("pouchdb-server did not come up") from None
                time.sleep(0.2)
        answer = subprocess.run(
            [
                "node",
                str(PEER / "peer.mjs"),
                f"http://127.0.0.1:{port}",
                str(folder / "records.json"),
                str(folder / "pushes.json"),
                str(EMPTY_SYNCS),
            ],
            cwd=PEER,
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        )
        return json.loads(answer.stdout.strip().splitlines()[-1])
    finally:
        peer.terminate()
        peer.wait(10)


def run_ours(backend: str, records: int, folder: Path) -> dict:
    from bench.databases import pg_create, pg_drop
    from bench.sync import run

    if backend == "sqlite":
        return run("sqlite", f"sqlite+aiosqlite:///{folder}/server.db", records, folder)
    name = f"doorstep_bench_peer_{os.getpid()}"
    url = pg_create(name)
    try:
        return run("postgresql", url, records, folder)
    finally:
        pg_drop(name)


def ratios(peer: dict, ours: dict) -> dict:
    return {
        "initial": peer["initial_s"] / ours["initial_s"],
        "push": ours["push_rate"] / peer["push_rate"],
        "empty": peer["empty_p50_ms"] / ours["empty_p50_ms"],
    }


def render(peer: dict, ours: list[dict], load: tuple[float, float]) -> str:
    def verdict(value: float, target: float) -> str:
        return f"{value:.1f}×" + ("" if value >= target else " (below)")

    table = {o["backend"]: (o, ratios(peer, o)) for o in ours}
    backends = list(table)
    header = "| figure | PouchDB ↔ pouchdb-server | " + " | ".join(
        f"Doorstep, {b}" for b in backends
    )
    lines = [
        f"{TITLE} (issue 24: `python -m bench.peer`)",
        "",
        f"Commit {commit()}, one run, {time.strftime('%Y-%m-%d')}, 2 cores shared by the "
        f"client, the server and the database (load average {load[0]:.1f} at the start, "
        f"{load[1]:.1f} at the end: the ratios are only as good as the machine was quiet). "
        "The same scope of "
        f"{peer['records']:,} records (worker1's, as Doorstep's pull gives it) and the same "
        f"{peer['pushes']:,} check-ins on both sides; the peer's phone keeps its documents in "
        "memory, Doorstep's in its encrypted SQLite store. The ratio is how many times "
        "Doorstep is faster; the issue's targets are 10× (first sync), 1.8× (push) and 6× "
        "(empty sync).",
        "",
        header + " |",
        "|---|---|" + "---|" * len(backends),
        f"| first sync | {peer['initial_s']:.2f} s | "
        + " | ".join(
            f"{table[b][0]['initial_s']:.2f} s, {verdict(table[b][1]['initial'], 10)}"
            for b in backends
        )
        + " |",
        f"| push, batches of 500 | {peer['push_rate']:,.0f}/s | "
        + " | ".join(
            f"{table[b][0]['push_rate']:,.0f}/s, {verdict(table[b][1]['push'], 1.8)}"
            for b in backends
        )
        + " |",
        f"| empty sync, p50 (p99) | {peer['empty_p50_ms']:.1f} ms "
        f"({peer['empty_p99_ms']:.1f} ms) | "
        + " | ".join(
            f"{table[b][0]['empty_p50_ms']:.1f} ms ({table[b][0]['empty_p99_ms']:.1f} ms), "
            f"{verdict(table[b][1]['empty'], 6)}"
            for b in backends
        )
        + " |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="doorstep-peer-"))
    load_before = os.getloadavg()[0]
    try:
        peer = run_peer(args.records, folder / "peer-run")
        print("peer", peer, flush=True)
        ours = []
        for backend in ("sqlite", "postgresql"):
            if args.only in (None, backend):
                ours.append(run_ours(backend, args.records, folder))
                print(backend, ours[-1], flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    section = render(peer, ours, (load_before, os.getloadavg()[0]))
    print(section)
    if args.write:
        write_section(section, TITLE)


if __name__ == "__main__":
    main()

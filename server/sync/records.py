"""Every synced record, gathered from the domains' declarations and held to them.

The domains declare their records next to their tables (`server.records.declare`); this is the
list the pull, the scope preview and the docs read. `missing_parts` names a record that lacks
a part, a table the feed would capture that is not gathered here, and a sync key of an unknown
kind; the app refuses to start while it names anything, and a test keeps it empty. The docs
table in docs/sync.md is generated from here (`python -m server.sync.records`).
"""

import inspect
from collections.abc import Iterable

from sqlmodel import SQLModel

from server.auth.tables import RECORDS as AUTH_RECORDS
from server.catalogue.tables import RECORDS as CATALOGUE_RECORDS
from server.hotline.tables import RECORDS as HOTLINE_RECORDS
from server.org.tables import RECORDS as ORG_RECORDS
from server.records import SyncedRecord, record_of
from server.records.keys import KINDS
from server.residents.tables import RECORDS as RESIDENT_RECORDS
from server.visits.tables import RECORDS as VISIT_RECORDS
from shared.mutations import REGISTRY, MutationSpec
from shared.words import LANGUAGES, has


def gather(*domains: Iterable[SyncedRecord]) -> dict[str, SyncedRecord]:
    records: dict[str, SyncedRecord] = {}
    for record in (r for domain in domains for r in domain):
        if record.entity in records:
            raise ValueError(f"synced record {record.entity!r} is gathered twice")
        records[record.entity] = record
    return records


RECORDS: dict[str, SyncedRecord] = gather(
    RESIDENT_RECORDS,
    VISIT_RECORDS,
    CATALOGUE_RECORDS,
    ORG_RECORDS,
    AUTH_RECORDS,
    HOTLINE_RECORDS,
)


def captured_tables() -> dict[str, type]:
    """Every mapped table the change feed captures (those carrying a declaration), by name."""
    found = {}
    for mapper in SQLModel._sa_registry.mappers:
        if record_of(mapper.class_) is not None:
            found[mapper.class_.__tablename__] = mapper.class_
    return found


def missing_parts(
    records: dict[str, SyncedRecord], registry: dict[str, MutationSpec] | None = None
) -> list[str]:
    """What is missing or wrong, in words naming the record, table or mutation."""
    problems = []
    for name, spec in (REGISTRY if registry is None else registry).items():
        if spec.record and spec.record not in records:
            problems.append(
                f"{name}: its record {spec.record} is not a synced record (declare it beside its"
                " table, and gather the domain's RECORDS here)"
            )
    for entity, record in records.items():
        if record.entity != entity:
            problems.append(f"{entity}: gathered under another name than {record.entity!r}")
        if record_of(record.table) is not record:
            problems.append(f"{entity}: its table {record.table.__name__} is not declared synced")
        if not hasattr(record.public, "from_row") or not hasattr(
            record.public, "__struct_fields__"
        ):
            problems.append(f"{entity}: no public struct")
        elif "id" not in record.public.__struct_fields__:
            problems.append(f"{entity}: its public struct has no id")
        if not callable(record.keys):
            problems.append(f"{entity}: no sync keys")
        if not callable(record.sees):
            problems.append(f"{entity}: no scope rule")
        elif not (inspect.getdoc(record.sees) or "").strip():
            problems.append(f"{entity}: its scope rule does not say who holds it (docstring)")
        if not record.label.strip():
            problems.append(f"{entity}: no label")
        for language in LANGUAGES:
            if not has(f"console.ent_{entity}", language):
                problems.append(f"{entity}: no words in the {language} catalogue (console.ent_…)")
    gathered = {record.table for record in records.values()}
    for name, table in captured_tables().items():
        if table not in gathered:
            problems.append(f"{name}: captured by the feed but not gathered in sync/records.py")
    return problems


def unknown_keys(keys: set[str]) -> list[str]:
    """The keys of a record's state that are of no kind a phone may subscribe to."""
    prefixes = set(KINDS.values())
    return sorted(k for k in keys if k.split(":", 1)[0] not in prefixes)


def _who(record: SyncedRecord) -> str:
    return " ".join((inspect.getdoc(record.sees) or "").split())


def docs_table() -> str:
    """The synced records as a markdown table, as docs/sync.md shows them."""
    rows = [
        "| entity | what | data | sync keys | who holds it |",
        "|---|---|---|---|---|",
    ]
    for entity, record in RECORDS.items():
        keys = ", ".join(f"`{k}`" for k in sorted(record.keys(lambda name: f"<{name}>")))
        data = f"`{record.public.__name__}`"
        what = record.label
        rows.append(f"| `{entity}` | {what} | {data} | {keys} | {_who(record)} |")
    return "\n".join(rows) + "\n"


def entities() -> list[str]:
    return list(RECORDS)


if __name__ == "__main__":  # python -m server.sync.records [--write docs/sync.md]
    import sys

    from shared.generated import rewrite

    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
        print("updated" if rewrite(sys.argv[2], "records", docs_table()) else "unchanged")
    else:
        print(docs_table(), end="")

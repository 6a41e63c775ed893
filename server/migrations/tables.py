"""Every table module, imported so that the metadata knows them all (Alembic's autogenerate,
tests that walk every table)."""


def import_all() -> None:
    from server.addresses import tables as _addresses  # noqa: F401
    from server.audit import tables as _audit  # noqa: F401
    from server.auth import tables as _auth  # noqa: F401
    from server.blobs import tables as _blobs  # noqa: F401
    from server.catalogue import tables as _catalogue  # noqa: F401
    from server.conflicts import tables as _conflicts  # noqa: F401
    from server.feed import tables as _feed  # noqa: F401
    from server.funds import tables as _funds  # noqa: F401
    from server.hotline import tables as _hotline  # noqa: F401
    from server.open311 import tables as _open311  # noqa: F401
    from server.org import tables as _org  # noqa: F401
    from server.organisations import tables as _organisations  # noqa: F401
    from server.plans import tables as _plans  # noqa: F401
    from server.public import tables as _public  # noqa: F401
    from server.residents import tables as _residents  # noqa: F401
    from server.visits import tables as _visits  # noqa: F401

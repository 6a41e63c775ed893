"""Imports every table module, so that the metadata knows them all."""


def import_all() -> None:
    from server.audit import tables as _audit  # noqa: F401
    from server.auth import tables as _auth  # noqa: F401
    from server.catalogue import tables as _catalogue  # noqa: F401
    from server.org import tables as _org  # noqa: F401
    from server.plans import tables as _plans  # noqa: F401
    from server.requests import tables as _requests  # noqa: F401
    from server.residents import tables as _residents  # noqa: F401
    from server.sync import tables as _sync  # noqa: F401
    from server.visits import tables as _visits  # noqa: F401

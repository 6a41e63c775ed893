"""Which address a request comes from, for throttles: the peer, unless the peer is a proxy the
operator named (`DOORSTEP_TRUSTED_PROXIES`); then the nearest address it vouches for."""

from litestar import Request

from server.config import Settings


def client_address(request: Request, settings: Settings) -> str:
    peer = request.client.host if request.client else "unknown"
    if peer not in settings.trusted_proxies:
        return peer
    forwarded = [
        hop.strip()
        for header in request.headers.getall("x-forwarded-for", [])
        for hop in header.split(",")
        if hop.strip()
    ]
    # Walk back from the nearest hop: the first address that is not one of our proxies is
    # the client as far as anyone we trust can tell.
    for hop in reversed(forwarded):
        if hop not in settings.trusted_proxies:
            return hop[:64]
    return peer

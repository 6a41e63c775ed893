"""Where the demo residents live: plausible points in one city (Chengdu's centre, for the
fictional 幸福区), so that a visit's place can be measured against the home's.

Subdistricts sit on a grid about 1.5 km apart, their communities within about 600 m of its
centre, and each home within about 150 m of its community's; residents at one address share
its point. Drawn from the address and codes alone, so the rest of the demo's random draws are
untouched.
"""

import hashlib
import math
from datetime import datetime

from shared import mutations as m

CITY = (30.6586, 104.0647)  # latitude, longitude (WGS 84): Tianfu Square, Chengdu
_M_PER_DEG_LAT = 111_320.0


def _unit(text: str, salt: str) -> float:
    """A number in [0, 1) drawn from the text."""
    digest = hashlib.sha256(f"{salt}:{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _moved(point: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    lat, lon = point
    return (
        lat + north_m / _M_PER_DEG_LAT,
        lon + east_m / (_M_PER_DEG_LAT * math.cos(math.radians(lat))),
    )


def _around(point, text: str, radius_m: float) -> tuple[float, float]:
    angle = 2 * math.pi * _unit(text, "angle")
    distance = radius_m * math.sqrt(_unit(text, "distance"))
    return _moved(point, distance * math.sin(angle), distance * math.cos(angle))


def community_centre(code: str) -> tuple[float, float]:
    """The centre of a community, from its code (`D01-S03-C02`)."""
    subdistrict = int(code.split("-")[1][1:]) - 1
    row, column = divmod(subdistrict, 4)
    centre = _moved(CITY, (1.5 - row) * 1500, (column - 1.5) * 1500)
    return _around(centre, code, 600)


def home(code: str, address: str) -> tuple[float, float]:
    lat, lon = _around(community_centre(code), address, 150)
    return round(lat, 6), round(lon, 6)


def locate_homes(people, units) -> None:
    """Sets each demo resident's `lat` and `lon` from its community and address."""
    codes = {unit.id: unit.code for unit in units.values()}
    for resident in people:
        resident.lat, resident.lon = home(codes[resident.community_id], resident.address)


def visit_place(resident, at: datetime) -> m.Proof | None:
    """A completed demo visit's proof: the place the phone recorded, a few tens of metres from
    the home (GPS at a door is never exact). No photos: the demo has no blob files."""
    if resident.lat is None:
        return None
    spot = _around((resident.lat, resident.lon), f"{resident.id}:{at.isoformat()}", 60)
    accuracy = 5 + round(25 * _unit(str(resident.id), "accuracy"))
    return m.Proof(
        location=m.Location(
            lat=round(spot[0], 6), lon=round(spot[1], 6), accuracy_m=accuracy, at=at
        )
    )

"""A record's proof as the console shows it: photo and signature links served through the
console (the same scope rule as the API), the place in local time with its distance from the
resident's recorded home, and whether the device's signature verified."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.localtime import format_local
from shared.proof import distance_m


def proof_view(
    proof: dict[str, Any] | None,
    signed: bool,
    resident: Any,
    lang: str,
    zone: str,
    blob: Callable[..., str],
) -> dict[str, Any] | None:
    """What the `_proof.html` partial shows; None when the record carries no proof. `blob`
    makes a photo's or signature's console address from its hash (`sha256=`)."""
    if not proof:
        return None
    shown: dict[str, Any] = {
        "photos": [blob(sha256=sha) for sha in proof.get("photos") or []],
        "signature": blob(sha256=proof["signature"]) if proof.get("signature") else None,
        "signed": bool(signed),
        "place": None,
    }
    place = proof.get("location")
    if place:
        at = place.get("at")
        moment = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None
        home = (resident.lat, resident.lon) if resident and resident.lat is not None else None
        shown["place"] = {
            "lat": place["lat"],
            "lon": place["lon"],
            "accuracy_m": round(place.get("accuracy_m") or 0),
            "at": format_local(moment, lang, zone),
            "distance_m": round(distance_m(place["lat"], place["lon"], *home)) if home else None,
        }
    return shown

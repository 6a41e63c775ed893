"""The two formats of GeoReport v2: JSON, and XML (the spec's default) with the spec's element
names. Every answer is built once as plain data and written in the format its path asks for."""

from typing import Any
from xml.etree import ElementTree

XML = "text/xml; charset=utf-8"
JSON = "application/json"
FORMATS = ("json", "xml")

# (root element, item element) of each kind of answer that is a list.
LISTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
# Members whose value is a list, and the element of each of their items.
_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def path_format(path: str) -> str | None:
    """`json` or `xml` from a path's last dot; None for anything else."""
    suffix = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return suffix if suffix in FORMATS else None


def split(name: str) -> tuple[str, str] | None:
    """`001.xml` → (`001`, `xml`); None when it ends in no format served."""
    stem, _, suffix = name.rpartition(".")
    return (stem, suffix) if stem and suffix in FORMATS else None


def _fill(element: ElementTree.Element, value: Any, item: str = "item") -> None:
    if isinstance(value, dict):
        for key, member in value.items():
            _fill(ElementTree.SubElement(element, key), member, _ITEMS.get(key, "item"))
    elif isinstance(value, list):
        for member in value:
            _fill(ElementTree.SubElement(element, item), member)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(kind: str, content: Any) -> bytes:
    """`content` as the spec's XML: a list under LISTS[kind], or one element named `kind`."""
    if kind in LISTS:
        root_name, item = LISTS[kind]
        root = ElementTree.Element(root_name)
        _fill(root, content, item)
    else:
        root = ElementTree.Element(kind)
        _fill(root, content)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def discovery(base: str, contact: str) -> dict[str, Any]:
    """GET discovery.{json,xml}: where this endpoint is and what it speaks."""
    return {
        "changeset": "2026-12-03T00:00:00Z",
        "contact": contact,
        "key_service": contact,
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-12-03T00:00:00Z",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }

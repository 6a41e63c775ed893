"""Every console page a role can reach, found in headless Chromium by following the console's
own links from the role's landing page: one page for each route (addresses that differ only
in an id or a query are the same page), so a page added to the console is visited without
a list to keep up to date. Downloads, photos, the language switch and sign-out are left out."""

import re
from urllib.parse import urlsplit

from tests.support.browser import sign_in_page

ROLES = ("admin", "dispatcher", "subdistrict1", "dept_water", "inspector1", "supervisor1")
LEFT_OUT = re.compile(r"\.(csv|xlsx)$|/blobs/|/language$|/logout$|/login$")
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MOST = 40  # pages a role may reach; more would be a crawl gone astray


def page_kind(path: str) -> str:
    """The route an address is a page of: ids made one placeholder, the trailing slash kept
    apart from none (the queue "/console/" and a level's queue "/console/levels/")."""
    return ID.sub("{id}", path)


def sign_in(context, base: str, username: str):
    """`username` signed in, in a new page of the browser window `context`."""
    return sign_in_page(context.new_page(), base, username)


def links(page, base: str) -> list[str]:
    """The console addresses the page links to (same server, a page rather than a file),
    and where its GET forms lead as they stand (a preview asked for with a form's defaults)."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    hrefs += page.eval_on_selector_all(
        "form[method=get][action]",
        "els => els.map(f => f.action + '?' + new URLSearchParams(new FormData(f)))",
    )
    host = urlsplit(base).netloc
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc != host or not parts.path.startswith("/console"):
            continue
        if LEFT_OUT.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def reachable(page, base: str, visit, known: dict[str, str]) -> None:
    """Walks the role's console from where it stands, calling `visit(kind)` on each page kind
    not in `known` (kind → address) as it is first shown, and adding it there. Pages another
    role has already shown are not walked again: the walk stays as short as the console is
    wide (each role still adds the pages only it can reach)."""
    start = urlsplit(page.url).path
    queue = [start]
    known.setdefault(page_kind(start), start)
    while queue:
        path = queue.pop(0)
        page.goto(base + path)
        visit(page_kind(urlsplit(path).path))
        for found in links(page, base):
            kind = page_kind(urlsplit(found).path)
            if kind not in known:
                known[kind] = found
                queue.append(found)
        assert len(known) <= MOST, sorted(known)

"""The console's accessibility in headless Chromium (Debian's), against the real server over
loopback, in one browser: every page each role can reach (found by following the console's
own links, `tests/support/console_pages.py`) is checked by axe-core, and by what axe cannot
check: at 683 CSS px (a 1366-px office screen at 200 % zoom) no page scrolls sideways and the
menu folds into a <details>; at 1366 px the menu is one row; every page has one h1 and a skip
link as its first tab stop; input borders stand at 3:1 against what is behind them; a refused
field is tied to its words (aria-invalid, aria-describedby) and the refusal is announced
(role=alert); a chart (role=img) is described by a table of its figures. zh and en alike.
Screenshots go to DOORSTEP_CONSOLE_SHOTS when set."""

import os
import re
import time
import uuid
from pathlib import Path

from tests.support import console_pages
from tests.support.axe import violations
from tests.support.browser import chromium
from tests.test_public_residents_e2e import _contrast

WIDE = {"width": 1366, "height": 768}
NARROW = {"width": 683, "height": 768}  # the same screen at 200 % zoom
# The pages whose pictures are kept in docs/console/ (page kind → picture name).
PICTURES = {
    "/console/": "a11y-intake",
    "/console/dashboard": "a11y-dashboard",
    "/console/levels/": "a11y-levels",
    "/console/organisations": "a11y-organisations",
    "/console/admin/accounts": "a11y-accounts",
    "/console/mentoring": "a11y-mentoring",
}
CALLER_FIELDS = ("#f-caller_name", "#f-caller_phone", "#f-category_code", "#f-address")

# A table wider than its card scrolls inside the card (WCAG 1.4.10 exempts data tables), and
# keeps its first columns in view: it is `pinned`, and with the card scrolled to its far right
# the pinned cells (the number and the status, or the row's name) are still inside the card,
# side by side, not under another cell. The card's scroll is put back.
PINNED = """() => {
  const problems = [];
  for (const table of document.querySelectorAll('main table')) {
    const card = table.closest('.card');
    if (!card || !table.getClientRects().length || table.scrollWidth <= card.clientWidth + 1)
      continue;
    const name = 'table#' + (table.id || '?');
    if (!table.classList.contains('pinned')) {
      problems.push(name + ' scrolls in its card without pinned columns');
      continue;
    }
    const before = card.scrollLeft;
    card.scrollLeft = card.scrollWidth;
    const edge = card.getBoundingClientRect();
    for (const row of [...table.rows].filter(r => !r.classList.contains('totals')).slice(0, 3)) {
      const pins = [...row.cells].filter(c => c.classList.contains('pin'));
      if (row.cells.length > 1 && !pins.length) problems.push(name + ' has a row without its pins');
      let right = edge.left;
      for (const cell of pins) {
        const box = cell.getBoundingClientRect();
        if (box.left < edge.left - 1 || box.right > edge.right + 1 || box.left < right - 1)
          problems.push(name + ' pinned ' + cell.textContent.trim().slice(0, 12) + ' out of view');
        right = box.right;
        const x = box.left + box.width / 2, y = box.top + box.height / 2;
        if (y > 0 && y < window.innerHeight) {
          const hit = document.elementFromPoint(x, y);
          if (hit && !cell.contains(hit))
            problems.push(name + ' pinned ' + cell.textContent.trim().slice(0, 12) + ' covered');
        }
      }
    }
    card.scrollLeft = before;
  }
  return problems;
}"""

# What a page must show, read in the page: returns the problems found (empty: none).
LAYOUT = (
    """() => {
  const pinnedProblems = """
    + PINNED
    + """;
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    const wide = [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);
    problems.push('scrolls sideways: ' + root.scrollWidth + ' px ' + wide.join(' '));
  }
  const h1 = document.querySelectorAll('h1');
  if (h1.length !== 1 || !h1[0].textContent.trim()) problems.push('h1: ' + h1.length);
  const skip = document.querySelector('a.skip');
  if (!skip || !document.querySelector(skip.getAttribute('href')))
    problems.push('no skip link to the main content');
  const behind = e => {
    for (let at = e.parentElement; at; at = at.parentElement) {
      const colour = getComputedStyle(at).backgroundColor;
      if (!/rgba\\(.*, 0\\)$/.test(colour) && colour !== 'transparent') return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  const fields = document.querySelectorAll(
    'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea');
  const borders = [...fields].filter(e => e.getClientRects().length)
    .map(e => [e.name || e.id, getComputedStyle(e).borderTopColor, behind(e)]);
  for (const e of document.querySelectorAll('[aria-invalid=true]')) {
    const words = (e.getAttribute('aria-describedby') || '').split(' ')
      .map(id => document.getElementById(id)).filter(Boolean);
    if (!words.length || !words[0].textContent.trim())
      problems.push('refused field without its words: ' + (e.name || e.id));
  }
  for (const e of document.querySelectorAll('[role=img]')) {
    const told = document.getElementById(e.getAttribute('aria-describedby') || '');
    if (!told || !told.querySelector('tr')) problems.push('a chart without its table: ' + e.id);
  }
  for (const problem of pinnedProblems()) problems.push(problem);
  return {problems, borders};
}"""
)


def _layout(page, where: str) -> list[str]:
    found = page.evaluate(LAYOUT)
    problems = [f"{where}: {problem}" for problem in found["problems"]]
    for name, border, behind in found["borders"]:
        if _contrast(border, behind) < 3:
            problems.append(f"{where}: the border of {name} is {border} on {behind}")
    # The skip link is the first tab stop (a page that starts in its one form, as the
    # sign-in page does with autofocus, needs no way past the header).
    if page.locator("main [autofocus]").count():
        return problems
    page.keyboard.press("Tab")
    if page.evaluate("() => document.activeElement.className") != "skip":
        problems.append(f"{where}: the first tab stop is not the skip link")
    return problems


def _menu(page, where: str, wide: bool) -> list[str]:
    """At 1366 px the menu is one row in the header; narrower, a <details> that opens."""
    if page.locator("header nav.links").count() == 0:
        return []  # signed out: no menu
    if wide:
        tops = page.eval_on_selector_all(
            "header nav.links a", "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
        )
        folded = page.is_visible("details.menu-narrow")
        if len(set(tops)) != 1 or folded:
            return [f"{where}: the menu is not one row at 1366 px ({sorted(set(tops))})"]
        # Nothing in the header but the person's name wraps, and the page fits the screen.
        wrapped = page.eval_on_selector_all(
            "header strong, header nav.links a, header > a",
            "els => els.filter(e => e.getBoundingClientRect().height >"
            " 1.9 * parseFloat(getComputedStyle(e).fontSize)).map(e => e.textContent)",
        )
        wide = [p for p in page.evaluate(LAYOUT)["problems"] if p.startswith("scrolls")]
        if wrapped or wide:
            return [f"{where}: the header wraps ({wrapped}) or {wide}"]
        return []
    if page.is_visible("header nav.links") or not page.is_visible("details.menu-narrow summary"):
        return [f"{where}: the menu does not fold at 683 px"]
    page.click("details.menu-narrow summary")
    shown = page.locator("details.menu-narrow nav a").first.is_visible()
    return [] if shown else [f"{where}: the folded menu does not open"]


def _refused_intake(page, base: str) -> None:
    """The dispatcher's intake refused by the server (a phone of 41 digits): one field marked."""
    page.goto(f"{base}/console/")
    page.fill("#f-caller_name", "测试来电人")
    page.fill("#f-caller_phone", "1" * 41)
    page.fill("#f-address", "和平春晖社区6号楼")
    page.select_option("#f-category_code", value="repair.water")
    page.fill("#f-description", "楼道灯不亮")
    page.click("#register")
    page.wait_for_selector("[aria-invalid=true]")


def _scrolled_list(page, where: str, scrolled: list[str], table: str = "requests") -> list[str]:
    """A request list (`table`) at 683 px, when it scrolls inside its card (noted in `scrolled`),
    still shows each row's number and status with the card scrolled to its far right; left
    scrolled there for the picture."""
    page.locator(f"#{table}").scroll_into_view_if_needed()
    card = f"document.getElementById('{table}').closest('.card')"
    if not page.evaluate(f"() => {card}.scrollWidth > {card}.clientWidth"):
        return []  # it fits (the words are short enough): nothing to pin
    scrolled.append(where)
    problems = [f"{where}: {p}" for p in page.evaluate(PINNED)]
    page.evaluate(f"() => {{ {card}.scrollLeft = {card}.scrollWidth; }}")
    shown = page.evaluate(
        f"""() => {{
          const edge = {card}.getBoundingClientRect();
          const row = document.querySelector('#{table} tr:nth-child(2)');
          return [...row.querySelectorAll('.pin')].map(c => {{
            const box = c.getBoundingClientRect();
            return box.left >= edge.left - 1 && box.right <= edge.right + 1 ? c.textContent : '';
          }});
        }}"""
    )
    if len(shown) != 2 or not re.fullmatch(r"\d{6}-\d{4,}", shown[0].strip()) or not shown[1]:
        problems.append(f"{where}: scrolled right, the number and status show as {shown}")
    return problems


def _caller_fields_whole(page, where: str) -> list[str]:
    problems = []
    for field in CALLER_FIELDS:
        box = page.locator(field).bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > page.viewport_size["width"]:
            problems.append(f"{where}: {field} is cut ({box})")
    return problems


def _picture(page, name: str) -> None:
    """The screen as a person sees it first (the viewport, not the whole page: the header,
    the menu and the top of the content are what the layout changes)."""
    folder = os.environ.get("DOORSTEP_CONSOLE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _pictures(page, kind: str, lang: str) -> None:
    if os.environ.get("DOORSTEP_CONSOLE_SHOTS") and kind in PICTURES:
        _picture(page, f"{PICTURES[kind]}-683-{lang}")
        page.set_viewport_size(WIDE)
        _picture(page, f"{PICTURES[kind]}-1366-{lang}")
        page.set_viewport_size(NARROW)


def test_every_console_page_passes_axe_and_the_layout_checks(live_url, settings):
    started = time.monotonic()
    base, axed, problems, seen = live_url, set(), [], {}
    with chromium(settings) as browser:
        # Signed out: the sign-in page.
        context = browser.new_context(viewport=NARROW, bypass_csp=True, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{base}/console/login")
        problems.extend([f"login: {v}" for v in violations(page)] + _layout(page, "login"))
        context.close()

        known: dict[str, str] = {}
        for role in console_pages.ROLES:
            context = browser.new_context(viewport=WIDE, bypass_csp=True, locale="zh-CN")
            page = console_pages.sign_in(context, base, role)
            problems.extend([f"{role} at 1366: {v}" for v in violations(page)])
            problems.extend(_menu(page, f"{role} at 1366", wide=True))
            page.set_viewport_size(NARROW)
            problems.extend(_menu(page, f"{role} at 683", wide=False))
            shown = seen[role] = []

            def visit(kind, role=role, page=page, shown=shown):
                shown.append(kind)
                _pictures(page, kind, "zh")  # before the checks press Tab
                problems.extend(_layout(page, f"{role} zh {kind}"))
                if kind not in axed:  # axe once for each page, by the first role there
                    axed.add(kind)
                    problems.extend(f"{role} zh {kind}: {v}" for v in violations(page))

            console_pages.reachable(page, base, visit, known)
            if role == "admin":  # the scope preview is behind a form on another's account
                page.goto(f"{base}/console/admin/accounts?q=worker1")
                page.click("#accounts a[href*='/admin/accounts/']")
                page.click("#preview-change")
                page.wait_for_url("**/preview?**")
                address = page.url.removeprefix(base)
                known[console_pages.page_kind(address.split("?")[0])] = address
                visit(console_pages.page_kind(address.split("?")[0]))
            # The same pages in English.
            page.goto(f"{base}/console/language?next=/console/")
            for kind in shown:
                page.goto(base + known[kind])
                _pictures(page, kind, "en")
                problems.extend(_layout(page, f"{role} en {kind}"))
            problems.extend(_menu(page, f"{role} en at 683", wide=False))
            page.set_viewport_size(WIDE)
            problems.extend(_menu(page, f"{role} en at 1366", wide=True))
            context.close()

        # The dispatcher at 200 %: the caller's fields whole; a refused field tied to its
        # words and announced; a page that is not there; in both languages.
        context = browser.new_context(viewport=NARROW, bypass_csp=True, locale="zh-CN")
        page = console_pages.sign_in(context, base, "dispatcher")
        scrolled: list[str] = []  # where the request list scrolled in its card
        for lang in ("zh", "en"):
            page.goto(f"{base}/console/")
            problems.extend(_scrolled_list(page, f"the request list {lang}", scrolled))
            _picture(page, f"a11y-requests-scrolled-683-{lang}")
            page.goto(f"{base}/console/levels/")
            problems.extend(_scrolled_list(page, f"the district's queue {lang}", scrolled, "held"))
            _picture(page, f"a11y-levels-scrolled-683-{lang}")
            page.goto(f"{base}/console/")
            problems.extend(_caller_fields_whole(page, f"intake {lang}"))
            _refused_intake(page, base)
            where = f"refused intake {lang}"
            _picture(page, f"a11y-intake-refused-683-{lang}")
            problems.extend(_caller_fields_whole(page, where) + _layout(page, where))
            marked = page.locator("[aria-invalid=true]")
            assert marked.count() == 1 and marked.get_attribute("id") == "f-caller_phone"
            words = page.locator(f"#{marked.get_attribute('aria-describedby')}")
            assert words.inner_text().strip(), where
            assert page.locator("[role=alert]").count() >= 1, where
            if lang == "zh":
                problems.extend([f"{where}: {v}" for v in violations(page)])
            page.goto(f"{base}/console/requests/{uuid.uuid4()}")
            problems.extend(_layout(page, f"not found {lang}"))
            if lang == "zh":
                problems.extend([f"not found: {v}" for v in violations(page)])
            page.goto(f"{base}/console/language?next=/console/")
        context.close()
        browser.close()
    assert not problems, "\n".join(problems)
    # The pinned columns were tried on a list that scrolls (the English one is wider).
    assert scrolled, "the request list fits at 683 px in both languages: nothing scrolled"
    # Every role reached the pages of its menu and beyond; every route a page was met.
    assert len(axed) >= 20, sorted(axed)
    assert {"/console/admin/holidays", "/console/requests/{id}/work-order"} <= axed
    assert "/console/admin/accounts/{id}/preview" in axed
    assert "/console/levels/requests/{id}/resolve" in seen["dept_water"]
    print(f"accessibility: {len(axed)} pages, {time.monotonic() - started:.0f} s")

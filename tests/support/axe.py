"""axe-core (vendored, tests/support/axe/) run in a playwright page: the violations it finds,
as short lines a failing assertion can show."""

from pathlib import Path

AXE = Path(__file__).parent / "axe" / "axe.min.js"


def violations(page) -> list[str]:
    """axe's violations on the page as it is now (every rule axe runs by default: WCAG 2.x A
    and AA, and its best practices). The page's context must be made with bypass_csp=True:
    the residents' pages allow no script but their own."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)
            }));
        }"""
    )
    return [f"{v['id']} ({v['impact']}): {' | '.join(v['nodes'])}" for v in found]

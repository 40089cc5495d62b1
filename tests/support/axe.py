"""axe-core (tests/vendor/axe-core, test-only) run inside a Playwright page: its WCAG 2.x A/AA violations.

Why page.evaluate and not page.add_script_tag: the portals' Content-Security-Policy allows only scripts
from the portal's own origin or with the response's nonce. add_script_tag(path=...) inserts an inline
<script> without that nonce, and chromium refuses it. A context with bypass_csp=True would run it, but
would also turn the policy off for the page under test, so a page that only works without its CSP
would pass. page.evaluate runs the library's text through the DevTools protocol, which the page's CSP
does not govern, and leaves the page exactly as a visitor gets it. axe-core itself needs no eval.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA (the target): axe's tags for those rules.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    """One rule broken on one page, with each element that breaks it."""

    rule: str
    impact: str
    help: str
    url: str
    nodes: tuple[tuple[str, str, str], ...]  # (target selector, html snippet, axe's summary of the failure)

    def describe(self) -> str:
        lines = [f"  [{self.impact}] {self.rule}: {self.help} ({self.url})"]
        for target, html, summary in self.nodes[:8]:
            lines.append(f"      at {target}")
            lines.append(f"         {html[:200]}")
            if summary:
                lines.append("         " + summary.replace("\n", "\n         ")[:400])
        if len(self.nodes) > 8:
            lines.append(f"      ... and {len(self.nodes) - 8} more elements")
        return "\n".join(lines)


def run(page: Any) -> list[Violation]:
    """The violations axe finds on what `page` shows now (after load: run it after goto)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    result = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            const r = await window.axe.run(document, options);
            return r.violations.map(v => ({
                id: v.id, impact: v.impact || '', help: v.help, url: v.helpUrl,
                nodes: v.nodes.map(n => [n.target.map(String).join(' '), n.html, n.failureSummary || '']),
            }));
        }""",
        TAGS,
    )
    return [Violation(v["id"], v["impact"], v["help"], v["url"], tuple(tuple(n) for n in v["nodes"]))
            for v in result]


def report(page_name: str, violations: list[Violation]) -> str:
    """`page_name`'s violations as readable text ("" when there are none)."""
    if not violations:
        return ""
    return f"{page_name}: {len(violations)} rule(s) broken\n" + "\n".join(v.describe() for v in violations)

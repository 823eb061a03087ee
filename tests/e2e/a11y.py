"""axe-core in the journeys' pages: no serious or critical violation of WCAG 2.1 A and AA.

``check_a11y(page)`` runs axe (injected from the axe-playwright-python package, no network) on
the page as it is now. Each page the ``new_page`` fixture opens remembers every address it
loads, and the fixture fails a test that loaded one without checking it, so a journey cannot
visit a page that escapes the check. Lesser (moderate, minor) findings are collected and listed
at the end of the run.
"""

from __future__ import annotations

from typing import Any

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

# (url, rule, impact, help) of the findings below the blocking level, for the run's summary.
NOTED: list[tuple[str, str, str, str]] = []
CHECKED: set[str] = set()

_checkers: dict[Any, AccessibilityChecker] = {}


def _address(url: str) -> str:
    return url.split("#", 1)[0]


class AccessibilityChecker:
    """Remembers the addresses a page loads and which of them were checked."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.loaded: list[str] = []
        self.checked: set[str] = set()
        page.on("load", lambda loaded: self.loaded.append(_address(loaded.url)))
        _checkers[page] = self

    def close(self) -> None:
        _checkers.pop(self.page, None)

    def unchecked(self) -> list[str]:
        return list(dict.fromkeys(url for url in self.loaded if url not in self.checked))


def _describe(violation: dict[str, Any]) -> str:
    targets = [" ".join(node["target"]) for node in violation["nodes"][:5]]
    summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")
    return (
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"    on {', '.join(targets)}\n    {summary}"
    )


def check_a11y(page: Any) -> None:
    """Fail on a serious or critical WCAG 2.1 AA violation in the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    results = Axe().run(page, options=AXE_OPTIONS)
    url = _address(page.url)
    blocking = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            blocking.append(violation)
        else:
            NOTED.append((url, violation["id"], violation["impact"], violation["help"]))
    assert not blocking, f"accessibility violations on {url}:\n" + "\n".join(
        _describe(v) for v in blocking
    )
    CHECKED.add(url)
    checker = _checkers.get(page)
    if checker is not None:
        checker.checked.add(url)

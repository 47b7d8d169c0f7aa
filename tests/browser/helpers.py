"""Browser checks every page must pass: axe-core (WCAG 2.1 A/AA), keyboard only, JS on and off."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import axe_playwright_python
from playwright.sync_api import Locator, Page, expect

from tests._support import trail

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _axe_source() -> str:
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core in the page (injected through DevTools, so the page's CSP stays strict)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return result["violations"]


def assert_accessible(page: Page, what: str = "") -> None:
    """Fail with a readable report if axe-core finds any WCAG 2.1 A or AA violation."""
    if getattr(page, "portal_javascript_disabled", False):
        # Scripts cannot run there (axe would wait forever): check the same URL with JS on.
        raise AssertionError("assert_accessible needs a page with JavaScript on")
    violations = axe_violations(page)
    if violations:
        lines = [f"axe-core found {len(violations)} violation(s) on {what or page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:5]:
                lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary'][:300]}")
        raise AssertionError("\n".join(lines))
    trail.checked_by_axe(page)


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("el => el === document.activeElement"))


def tab_to(page: Page, locator: Locator, max_tabs: int = 80, key: str = "Tab") -> None:
    """Press Tab (or ``key``) until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(max_tabs):
        page.keyboard.press(key)
        if is_focused(locator):
            assert_focus_visible(page)
            return
    raise AssertionError(f"{locator} never received focus after {max_tabs} presses of {key}")


def assert_focus_visible(page: Page) -> None:
    """The focused element shows a focus indicator (outline or box shadow)."""
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow}; }"
    )
    visible = (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] != "none"
    assert visible, f"focused element has no visible focus indicator: {style}"


def focused_text(page: Page) -> str:
    return page.evaluate(
        "() => (document.activeElement && document.activeElement.textContent || '').trim()"
    )


def wait_for_htmx(page: Page) -> None:
    """Wait until htmx has finished every request, swap and settle (a person's pause between
    two choices; a test is faster than any person and must not act on a half-swapped page)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
    page.wait_for_timeout(50)  # htmx binds triggers on the new content right after settling


def expect_refused(page: Page, field_id: str, message: str, count: int | None = None) -> None:
    """A form refused: ``message`` next to the field ``#field_id`` (marked invalid and tied to it
    by aria-describedby) and in the error summary, whose link leads to that field and whose
    heading counts ``count`` errors (any count when None)."""
    summary = page.locator(".error-summary")
    heading = (
        re.compile(r"^Le formulaire contient \d+ erreurs?$")
        if count is None
        else f"Le formulaire contient {count} erreur{'s' if count > 1 else ''}"
    )
    expect(summary.get_by_role("heading", level=2)).to_have_text(heading)
    expect(summary.locator(f"a[href='#{field_id}']")).to_contain_text(message)
    expect(page.locator(f"#{field_id}-erreur")).to_have_text(f"Erreur : {message}")
    field = page.locator(f"#{field_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"(^| ){field_id}-erreur( |$)"))

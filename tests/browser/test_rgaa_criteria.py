"""RGAA 4.1 criteria a machine can decide, beyond axe-core, on every page of the sample
(docs/rgaa/echantillon.csv). Each test is named after its criterion and is the proof that
docs/rgaa/grille.csv cites; each collects every failure of the sample before failing."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.helpers import axe_violations, wait_for_htmx
from tests.browser.rgaa_sample import VISITOR_PAGES, Candidate, candidate, new_context, visit

pytestmark = pytest.mark.browser
SITE = " - Portail Candidat"


@dataclass
class Site:
    visitor: BrowserContext
    candidate: Candidate
    _loaded: list[tuple[Page, str]] = dataclasses.field(default_factory=list)

    def loaded(self) -> list[tuple[Page, str]]:
        """Each page of the sample, loaded once and kept open in its own tab, for the criteria
        that only read the page (its markup, styles, titles, axe-core): 23 loads for all of
        them instead of 23 for each."""
        if not self._loaded:
            for context, pages in self._samples():
                for sample_id, name, path in pages:
                    page = context.new_page()
                    visit(page, path)
                    self._loaded.append((page, f"{sample_id} {name} ({path})"))
        return self._loaded

    def close(self) -> None:
        for page, _ in self._loaded:
            page.close()

    def _samples(self) -> list[tuple[BrowserContext, list[tuple[str, str, str]]]]:
        return [(self.visitor, VISITOR_PAGES), (self.candidate.context, self.candidate.pages())]

    def pages(self, viewport: dict[str, int] | None = None) -> Iterator[tuple[Page, str]]:
        """Each page of the sample in turn, the visitor's then the candidate's, freshly loaded
        in one tab: for the criteria that act on the page (keys, hover, viewport, styles)."""
        for context, pages in self._samples():
            page = context.new_page()
            if viewport:
                page.set_viewport_size(viewport)
            try:
                for sample_id, name, path in pages:
                    visit(page, path)
                    yield page, f"{sample_id} {name} ({path})"
            finally:
                page.close()


@pytest.fixture(scope="module")
def site(browser: Browser, live_server) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    visitor = new_context(browser, live_server.url)
    user = candidate(browser, live_server)
    site = Site(visitor, user)
    yield site
    site.close()
    visitor.close()
    user.context.close()


def fail_on(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


# --- 8. Éléments obligatoires -------------------------------------------------------------


def test_rgaa_8_3_default_language(site: Site) -> None:
    """8.3 and 8.4: every page declares French, with a valid code, on <html>."""
    problems = []
    for page, name in site.loaded():
        lang = page.evaluate("() => document.documentElement.getAttribute('lang')")
        if lang != "fr":
            problems.append(f"{name}: <html lang={lang!r}>")
    fail_on(problems)


def test_rgaa_8_5_page_titles(site: Site) -> None:
    """8.5: every page has a title, in the form "<what the page is> - Portail Candidat"."""
    problems = []
    for page, name in site.loaded():
        title = page.title()
        if not title.endswith(SITE) or not title.removesuffix(SITE).strip():
            problems.append(f"{name}: title {title!r}")
    fail_on(problems)


def test_rgaa_8_6_page_titles_are_relevant(site: Site) -> None:
    """8.6: the title names the page: it holds the page's h1, the wizard step shown or the
    page's name in the sample, and no two pages of the sample share a title."""
    problems = []
    seen: dict[str, str] = {}
    for page, name in site.loaded():
        title = page.title().removesuffix(SITE)
        h1 = page.locator("h1").first.inner_text().strip()
        step = page.locator("#wizard-step-title")
        subjects = [h1, name.split(" ", 1)[1].split(" (")[0]]
        if step.count():  # "2 - Qualification présentée": "Étape 2 sur 6 : Qualification …"
            number, label = step.inner_text().strip().split(" - ", 1)
            subjects = [label]
            if f"Étape {number} sur" not in title:
                problems.append(f"{name}: title {title!r} does not say the step's number")
        if not any(subject.casefold() in title.casefold() for subject in subjects):
            problems.append(f"{name}: title {title!r} does not name the page ({subjects})")
        if title in seen:
            problems.append(f"{name}: same title as {seen[title]}: {title!r}")
        seen[title] = name
    fail_on(problems)


# --- 9. Structuration ---------------------------------------------------------------------

HEADINGS = """() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]
  .filter(h => h.getClientRects().length)
  .map(h => [Number(h.tagName[1]), h.textContent.trim()])"""


def test_rgaa_9_1_headings(site: Site) -> None:
    """9.1: one h1 per page, no heading level skipped, no empty heading."""
    problems = []
    for page, name in site.loaded():
        headings = page.evaluate(HEADINGS)
        levels = [level for level, _ in headings]
        if levels.count(1) != 1 or not levels or levels[0] != 1:
            problems.append(f"{name}: headings start {headings[:3]} (one h1 first expected)")
        for (before, _), (level, text) in itertools.pairwise(headings):
            if level > before + 1:
                problems.append(f"{name}: h{level} {text!r} follows an h{before}")
        problems += [f"{name}: empty h{level}" for level, text in headings if not text]
    fail_on(problems)


LANDMARKS = """() => {
  const count = s => document.querySelectorAll(s).length;
  const outside = [...document.body.children].filter(e =>
    !e.matches('header, nav, main, footer, script, a.skip-link'));
  return {banner: count('body > header'), main: count('main'), footer: count('body > footer'),
          navs: [...document.querySelectorAll('nav')].map(n => n.getAttribute('aria-label')),
          outside: outside.map(e => e.tagName)};
}"""


def test_rgaa_9_2_landmarks(site: Site) -> None:
    """9.2 and 12.6: header, labelled navigation, main and footer on every page, and nothing
    outside them but the skip link, so each zone can be reached or skipped."""
    problems = []
    for page, name in site.loaded():
        found = page.evaluate(LANDMARKS)
        for key in ("banner", "main", "footer"):
            if found[key] != 1:
                problems.append(f"{name}: {found[key]} {key} landmark(s)")
        if "Menu principal" not in found["navs"] or None in found["navs"]:
            problems.append(f"{name}: navigation labels {found['navs']}")
        if found["outside"]:
            problems.append(f"{name}: content outside the landmarks: {found['outside']}")
    fail_on(problems)


# --- 12. Navigation -----------------------------------------------------------------------


def test_rgaa_12_7_skip_link(site: Site) -> None:
    """12.7: the first Tab stop is a visible "Aller au contenu" link that moves focus to main."""
    problems = []
    for page, name in site.pages():
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
        page.keyboard.press("Tab")
        first = page.evaluate(
            "() => { const e = document.activeElement, r = e.getBoundingClientRect();"
            " return {text: e.textContent.trim(), href: e.getAttribute('href'),"
            " visible: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0}; }"
        )
        if first["text"] != "Aller au contenu" or first["href"] != "#contenu":
            problems.append(f"{name}: first Tab stop is {first}")
            continue
        if not first["visible"]:
            problems.append(f"{name}: the skip link is not visible when focused")
        page.keyboard.press("Enter")
        if page.evaluate("() => document.activeElement.id") != "contenu":
            problems.append(f"{name}: the skip link does not move focus to main")
    fail_on(problems)


MENU = """() => ({
  items: [...document.querySelectorAll('nav[aria-label="Menu principal"] li')]
    .map(li => li.textContent.trim()),
  top: Math.round(document.querySelector('nav[aria-label="Menu principal"]')
    .getBoundingClientRect().top),
  footer: [...document.querySelectorAll('footer a')].map(a => a.getAttribute('href')),
})"""


def test_rgaa_12_2_consistent_navigation(site: Site) -> None:
    """12.2 (and 12.x consistency): the same menu, at the same place, on every page of a
    visitor and on every page of a candidate; the same footer links everywhere."""
    problems = []
    menus: dict[str, dict] = {}
    for page, name in site.loaded():
        found = page.evaluate(MENU)
        who = "candidate" if "Se déconnecter" in found["items"] else "visitor"
        reference = menus.setdefault(who, {**found, "name": name})
        for key in ("items", "top", "footer"):
            if found[key] != reference[key]:
                problems.append(
                    f"{name}: {key} {found[key]} differs from {reference['name']}: {reference[key]}"
                )
    if set(menus) != {"visitor", "candidate"}:
        problems.append(f"the sample shows only the menus of {set(menus)}")
    fail_on(problems)


# --- 6. Liens -----------------------------------------------------------------------------

GENERIC = {"ici", "cliquez ici", "lien", "en savoir plus", "lire la suite", "suite", "plus", "voir"}
LINKS = """() => [...document.querySelectorAll('a[href]')].filter(a => a.getClientRects().length)
  .map(a => {
    const label = a.getAttribute('aria-label');
    const text = (label || a.textContent).replace(/\\s+/g, ' ').trim();
    return [text, a.getAttribute('href')];
  })"""


def test_rgaa_6_1_link_text(site: Site) -> None:
    """6.1 and 6.2: every link has a text of its own that says where it goes (no "cliquez
    ici"), and two links of one page with the same text go to the same place."""
    problems = []
    for page, name in site.loaded():
        targets: dict[str, str] = {}
        for text, href in page.evaluate(LINKS):
            if not text or text.casefold().strip(" .:…") in GENERIC:
                problems.append(f"{name}: link {text!r} to {href}")
            if targets.setdefault(text, href) != href:
                problems.append(f"{name}: {text!r} goes to {targets[text]} and to {href}")
    fail_on(problems)


# --- 10. Présentation ---------------------------------------------------------------------

FOCUS = """() => { const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName, text: (e.textContent || e.name || e.id || '').trim().slice(0, 40),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          shadow: s.boxShadow !== 'none', body: e === document.body}; }"""


def test_rgaa_10_7_focus_visible(site: Site) -> None:
    """10.7: every element reached with Tab shows a focus indicator (outline of 2 px or more,
    or a box shadow)."""
    problems = []
    for page, name in site.pages():
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
        seen = 0
        for _ in range(60):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS)
            if focused["body"]:
                break
            seen += 1
            if not (focused["outline"] or focused["shadow"]):
                problems.append(
                    f"{name}: no focus indicator on {focused['tag']} {focused['text']!r}"
                )
        if seen < 3:
            problems.append(f"{name}: only {seen} elements reached with Tab")
    fail_on(problems)


def test_rgaa_10_1_presentation_in_css_only(site: Site) -> None:
    """10.1: no presentation in the markup: no style attribute, no presentational element
    or attribute."""
    problems = []
    for page, name in site.loaded():
        found = page.evaluate(
            "() => [...document.querySelectorAll('[style], font, center, big, blink, marquee,"
            " [align], [bgcolor], [border], [width], [height]')].map(e => e.outerHTML.slice(0, 80))"
        )
        problems += [f"{name}: {html}" for html in found]
    fail_on(problems)


def test_rgaa_10_11_reflow_at_320_px(site: Site) -> None:
    """10.11: at 320 CSS pixels wide nothing scrolls horizontally."""
    problems = []
    for page, name in site.pages(viewport={"width": 320, "height": 640}):
        width = page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        )
        if width > 320:
            wide = page.evaluate(
                "() => [...document.querySelectorAll('body *')]"
                ".filter(e => e.getBoundingClientRect().right > 321 || e.scrollWidth > e.clientWidth + 1)"
                ".slice(0, 3).map(e => e.outerHTML.slice(0, 80))"
            )
            problems.append(f"{name}: {width} px wide: {wide}")
    fail_on(problems)


# WCAG 1.4.12's bookmarklet values, injected as a user style sheet would be.
TEXT_SPACING = (
    "* { line-height: 1.5 !important; letter-spacing: .12em !important;"
    " word-spacing: .16em !important; } p { margin-bottom: 2em !important; }"
)
CLIPPED = """() => {
  const problems = [];
  const clips = e => { const s = getComputedStyle(e);
    return s.overflowX !== 'visible' || s.overflowY !== 'visible'; };
  for (const e of document.querySelectorAll('main label, main legend, main button, main .button,'
      + ' main .hint, main .field-error, main a, main select, main input, main .error-summary')) {
    if (!e.getClientRects().length) continue;
    const s = getComputedStyle(e);
    if (e.matches('select, input:not([type=radio]):not([type=checkbox])')) {
      const line = parseFloat(s.fontSize) * 1.5;
      if (e.clientHeight + 1 < line) problems.push('clipped control ' + (e.id || e.name));
    } else if (clips(e) && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)) {
      problems.push('clipped ' + e.tagName + ' ' + e.textContent.trim().slice(0, 40));
    }
  }
  for (const field of document.querySelectorAll('main .field')) {
    const parts = [...field.children].filter(c => c.getClientRects().length)
      .map(c => [c, c.getBoundingClientRect()]);
    for (let i = 1; i < parts.length; i++) {
      const [a, ra] = parts[i - 1], [b, rb] = parts[i];
      if (rb.top + 1 < ra.bottom && rb.left < ra.right && rb.right > ra.left)
        problems.push('overlap ' + a.tagName + ' / ' + b.tagName + ' in ' + field.id);
    }
  }
  return problems;
}"""


def test_rgaa_10_12_text_spacing(site: Site) -> None:
    """10.12: with WCAG's text spacing (line 1.5, letters .12em, words .16em, paragraphs 2em)
    no text is clipped and no form control overlaps the next, on the pages that have forms."""
    problems = []
    for page, name in site.pages():
        if not page.locator("main form").count():
            continue
        # a constructed style sheet, as a user style sheet: the page's CSP forbids inline styles
        page.evaluate(
            "css => { const s = new CSSStyleSheet(); s.replaceSync(css);"
            " document.adoptedStyleSheets = [...document.adoptedStyleSheets, s]; }",
            TEXT_SPACING,
        )
        problems += [f"{name}: {problem}" for problem in page.evaluate(CLIPPED)]
    fail_on(problems)


HOVER_RULES = """() => {
  const revealing = /(^|;)\\s*(display|visibility|opacity|position|left|right|top|bottom|clip|
    clip-path|height|max-height|width|transform|content)\\s*:/x;
  const found = [];
  const walk = rules => { for (const r of rules) {
    if (r.cssRules) walk(r.cssRules);
    if (r.selectorText && /:hover/.test(r.selectorText) && revealing.test(r.style.cssText))
      found.push(r.cssText);
  } };
  for (const sheet of document.styleSheets) walk(sheet.cssRules);
  return found;
}""".replace("|\n    clip-path", "|clip-path").replace("/x;", "/;")


def test_rgaa_10_13_no_content_on_hover_only(site: Site) -> None:
    """10.13 (and 10.14): no style rule reveals content on hover, no title tooltip, and
    hovering each link and button of the menu and the main content shows nothing new."""
    problems = []
    for page, name in site.pages():
        problems += [f"{name}: hover rule {rule}" for rule in page.evaluate(HOVER_RULES)]
        titles = page.evaluate(
            "() => [...document.querySelectorAll('body [title]')].map(e => e.outerHTML.slice(0, 60))"
        )
        problems += [f"{name}: tooltip {html}" for html in titles]
        count = "() => [...document.querySelectorAll('body *')].filter(e => e.getClientRects().length).length"
        before = page.evaluate(count)
        targets = page.locator("nav a, main a:not([aria-hidden]), main button:not([aria-hidden])")
        for target in targets.all()[:8]:
            if target.is_visible():
                target.hover(timeout=3000)
                if page.evaluate(count) != before:
                    problems.append(f"{name}: hovering {target.inner_text()!r} shows content")
                    break
    fail_on(problems)


# --- 11. Formulaires ----------------------------------------------------------------------

CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.getClientRects().length
    && !(e.matches('button, [type=submit]')))
  .map(e => ({id: e.id, name: e.name, type: e.type,
    labels: [...(e.labels || [])].map(l => l.textContent.replace(/\\s+/g, ' ').trim()),
    labelledby: e.getAttribute('aria-labelledby'),
    group: (() => { const f = e.closest('fieldset');
      const l = f && f.querySelector(':scope > legend');
      return l ? l.textContent.trim() : null; })()}))"""


def form_controls(site: Site) -> Iterator[tuple[str, dict]]:
    for page, name in site.loaded():
        for control in page.evaluate(CONTROLS):
            yield name, control


def test_rgaa_11_1_form_labels(site: Site) -> None:
    """11.1: every form field has a visible label tied to it (label for=id)."""
    problems = []
    for name, control in form_controls(site):
        if not any(control["labels"]) and not control["labelledby"]:
            problems.append(f"{name}: {control['type']} {control['name']!r} has no label")
    fail_on(problems)


def test_rgaa_11_5_related_fields_are_grouped(site: Site) -> None:
    """11.5: radios and checkboxes answering one question sit in one fieldset."""
    problems = []
    for name, control in form_controls(site):
        if control["type"] in ("radio", "checkbox") and control["group"] is None:
            problems.append(f"{name}: {control['type']} {control['name']!r} outside a fieldset")
    fail_on(problems)


def test_rgaa_11_6_groups_have_a_legend(site: Site) -> None:
    """11.6: every fieldset of the sample has a non-empty legend as its first child."""
    problems = []
    for page, name in site.loaded():
        found = page.evaluate(
            "() => [...document.querySelectorAll('fieldset')].filter(f => {"
            " const l = f.firstElementChild; return !l || l.tagName !== 'LEGEND'"
            " || !l.textContent.trim(); }).map(f => f.id || f.className)"
        )
        problems += [f"{name}: fieldset {fieldset!r} without a legend" for fieldset in found]
    fail_on(problems)


ERRORS = """() => ({
  summary: [...document.querySelectorAll('.error-summary a')]
    .map(a => [a.getAttribute('href'), a.textContent.trim()]),
  role: document.querySelector('.error-summary') &&
    document.querySelector('.error-summary').getAttribute('role'),
  fields: [...document.querySelectorAll('[aria-invalid=true]')].map(e => ({id: e.id,
    described: (e.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
      .map(id => { const d = document.getElementById(id); return d ? d.textContent.trim() : null; })
  })),
})"""


def submit_sign_up(page: Page, values: dict[str, str]) -> dict:
    visit(page, "/compte/creer")
    for field, value in values.items():
        page.locator(f"#champ-{field}").fill(value)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".error-summary")).to_be_visible()
    wait_for_htmx(page)
    return page.evaluate(ERRORS)


def test_rgaa_11_10_errors_identified(site: Site) -> None:
    """11.10: on a failed submission each field in error is marked invalid, its message is
    tied to it (aria-describedby) and listed, with a link to it, in an alert at the top; the
    page title starts with "Erreur"."""
    page = site.visitor.new_page()
    found = submit_sign_up(page, {})
    problems = []
    if found["role"] != "alert":
        problems.append(f"error summary role {found['role']!r}")
    if not page.title().startswith("Erreur : "):
        problems.append(f"title {page.title()!r}")
    if len(found["fields"]) < 3:
        problems.append(f"only {len(found['fields'])} field(s) marked aria-invalid")
    summary = {href.lstrip("#") for href, _ in found["summary"]}
    for field in found["fields"]:
        if not any(text and text.startswith("Erreur") for text in field["described"]):
            problems.append(f"{field['id']}: no error message tied to it ({field['described']})")
        if field["id"] not in summary and not any(s in field["id"] for s in summary):
            problems.append(f"{field['id']}: not linked from the error summary")
    page.close()
    fail_on(problems)


def test_rgaa_11_11_error_suggestions(site: Site) -> None:
    """11.11: a value in the wrong format gets a message that says what is expected, with an
    example."""
    page = site.visitor.new_page()
    found = submit_sign_up(page, {"email": "pas-une-adresse", "birth-date": "31-02"})
    page.close()
    messages = {f["id"]: " ".join(t for t in f["described"] if t) for f in found["fields"]}
    problems = []
    for field in ("champ-email", "champ-birth-date"):
        message = messages.get(field, "")
        if not re.search(r"par exemple|exemple|format", message, re.I):
            problems.append(f"{field}: no suggestion in {message!r}")
    fail_on(problems)


# --- 7. Scripts ---------------------------------------------------------------------------


def test_rgaa_7_5_status_messages(site: Site) -> None:
    """7.5: every page has a polite status region for messages; a message sent after an
    action is announced in it (role status) and errors in an alert; the suggestions the
    wizard loads while typing arrive in a live region."""
    problems = []
    for page, name in site.loaded():
        region = page.evaluate(
            "() => { const f = document.getElementById('flash');"
            " return f && [f.getAttribute('role'), f.getAttribute('aria-live')]; }"
        )
        if region != ["status", "polite"]:
            problems.append(f"{name}: status region {region}")
    page = site.visitor.new_page()
    visit(page, "/mot-de-passe/oublie")
    page.locator("#champ-email").fill("personne@ac-rennes.fr")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_text("Si un compte correspond")).to_be_visible()
    sent = page.locator("[role=status]").filter(has_text="Si un compte correspond")
    if not sent.count():
        problems.append("the 'lien envoyé' message is not in a status region")
    page.close()
    page = site.candidate.context.new_page()
    visit(page, f"{site.candidate.draft}/situation")
    live = page.evaluate(
        "() => { const e = document.getElementById('wizard-establishments');"
        " return e && e.getAttribute('aria-live'); }"
    )
    if live != "polite":
        problems.append(f"establishment suggestions are not announced (aria-live={live!r})")
    page.close()
    fail_on(problems)


# --- axe-core over the whole sample (3.2, 5.6, 6.2, 8.4, 9.3, 11.9 …) ----------------------


def test_rgaa_axe_core_on_the_sample(site: Site) -> None:
    """axe-core (WCAG 2.1 A and AA) finds nothing on any page of the sample."""
    problems = []
    for page, name in site.loaded():
        for violation in axe_violations(page):
            targets = [node["target"] for node in violation["nodes"][:3]]
            problems.append(f"{name}: {violation['id']}: {violation['help']} {targets}")
    fail_on(problems)

"""The RGAA sample (docs/rgaa/echantillon.csv) in a real browser, shared by the RGAA tests and the
Nu HTML Checker test: the visitor's pages, then a candidate's, every wizard tab included."""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from tests.browser.helpers import wait_for_htmx
from tests.browser.test_registrations import (
    create_candidate,
    fill_identification,
    fill_situation,
    log_in,
    next_tab,
)

SAMPLE_CSV = Path(__file__).resolve().parents[2] / "docs" / "rgaa" / "echantillon.csv"


def _sample(who: str) -> list[tuple[str, str, str]]:
    """(sample id, name, path) of docs/rgaa/echantillon.csv visited by a visitor or a candidate;
    a candidate's paths hold {numero} and {brouillon}, filled in once they have registered."""
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [(row["id"], row["page"], row["adresse"]) for row in rows if row["visite_par"] == who]


VISITOR_PAGES = _sample("visiteur")
CANDIDATE_PAGES = _sample("candidat")


@dataclass
class Candidate:
    """A logged-in browser context with one saved registration and one draft modifying it."""

    context: BrowserContext
    number: str
    draft: str

    def pages(self) -> list[tuple[str, str, str]]:
        return [
            (
                sample_id,
                name,
                path.format(numero=self.number, brouillon=self.draft.rsplit("/", 1)[1]),
            )
            for sample_id, name, path in CANDIDATE_PAGES
        ]


def new_context(browser: Browser, base_url: str, **options: object) -> BrowserContext:
    context = browser.new_context(base_url=base_url, locale="fr-FR", **options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context


def register(page: Page) -> str:
    """The guide's journey from M'inscrire to the N° Inscription; returns the number."""
    page.goto("/m-inscrire?domaine=G02&qualification=CCPE1D&specialite=ACA")
    page.get_by_label("Académie").select_option("versailles")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    wait_for_htmx(page)
    fill_identification(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    wait_for_htmx(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="3 - Situation actuelle")).to_be_visible()
    wait_for_htmx(page)
    fill_situation(page, javascript=True)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="4 - Epreuves")).to_be_visible()
    wait_for_htmx(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="5 - Récapitulatif")).to_be_visible()
    wait_for_htmx(page)
    page.get_by_role("button", name="Enregistrer").click()
    confirmation = page.locator(".confirmation")
    expect(confirmation).to_contain_text("Votre numéro d'inscription")
    found = re.search(r"Votre numéro d'inscription : (\S+)", confirmation.inner_text())
    assert found, confirmation.inner_text()
    return found.group(1)


def candidate(browser: Browser, live_server) -> Candidate:  # type: ignore[no-untyped-def]
    """A new candidate who registered once and opened the modification of that registration."""
    context = new_context(browser, live_server.url)
    page = context.new_page()
    log_in(page, create_candidate(live_server, f"rgaa-{uuid.uuid4().hex[:10]}@example.fr"))
    number = register(page)
    page.goto(f"/mes-inscriptions/{number}")
    page.get_by_role("button", name="Modifier").click()
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    draft = page.url.rsplit("/", 1)[0]
    page.close()
    return Candidate(context, number, draft)


def visit(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    if not getattr(page, "portal_javascript_disabled", False):
        wait_for_htmx(page)


def walk(page: Page, pages: list[tuple[str, str, str]]) -> Iterator[tuple[str, str]]:
    """Go to each page of the sample in turn; yields its id and name once it is there."""
    for sample_id, name, path in pages:
        visit(page, path)
        yield sample_id, name


FRAGMENT_DOCUMENT = (
    '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
    "<title>{title}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
)
LEADING_TITLE = re.compile(r"^\s*<title>(.*?)</title>", re.S)


def as_document(html: str) -> str:
    """A full page as it is; an htmx fragment wrapped in a minimal document (its leading
    <title>, which htmx moves into the head, goes into the head)."""
    if html.lstrip()[:15].lower().startswith("<!doctype"):
        return html
    title = "Fragment"
    found = LEADING_TITLE.match(html)
    if found:
        title, html = found.group(1), html[found.end() :]
    return FRAGMENT_DOCUMENT.format(title=title, body=html)


@dataclass
class HtmlRecorder:
    """Every HTML answer the server sends to a context (documents, boosted pages, fragments),
    and the DOM the browser built from them (the generated source) at each checkpoint."""

    captures: list[tuple[str, str]] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("response", self.response)

    def response(self, response: Response) -> None:
        if response.request.resource_type not in ("document", "xhr", "fetch"):
            return
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        if 300 <= response.status < 400:
            return
        try:
            body = response.text()
        except Exception as exc:  # a body Chromium dropped after a navigation
            body = ""
            self.captures.append((f"unreadable {response.url}", f"<!-- {exc} -->"))
            return
        kind = "fragment" if response.request.headers.get("hx-request") else "page"
        method = response.request.method
        self.captures.append((f"{kind} {method} {response.url} {response.status}", body))

    def snapshot(self, page: Page, label: str) -> None:
        self.captures.append((f"DOM {label} {page.url}", page.content()))

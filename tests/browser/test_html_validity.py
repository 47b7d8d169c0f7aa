"""RGAA 8.2 (valid code): the W3C Nu HTML Checker finds no error in any page or state of the
sample — what the server sends (full pages, and htmx fragments wrapped in a minimal document) and
what the browser built from it. All files go to one `java -jar vnu.jar` run (the JVM is slow to
start); warnings are allowed, a single error fails with every message listed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import wait_for_htmx
from tests.browser.rgaa_sample import (
    VISITOR_PAGES,
    HtmlRecorder,
    as_document,
    candidate,
    new_context,
    visit,
)
from tests.prepare import VNU_JAR

pytestmark = pytest.mark.browser


def validate(files: list[Path]) -> list[dict]:
    """Run the Nu HTML Checker once over every file; its error messages."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        pytest.fail("The Nu HTML Checker is missing: run `python tests/prepare.py` first")
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout)["messages"]
    return [m for m in messages if m.get("type") in ("error", "non-document-error")]


def report(errors: list[dict], names: dict[str, str]) -> str:
    lines = [f"The Nu HTML Checker found {len(errors)} error(s):"]
    for error in errors:
        url = error.get("url", "")
        where = names.get(url.removeprefix("file:"), url)
        lines.append(f"- {where} line {error.get('lastLine', '?')}: {error['message']}")
        if error.get("extract"):
            lines.append(f"    {error['extract']!r}")
    return "\n".join(lines)


def test_rgaa_8_2_html_is_valid(browser: Browser, live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    recorder = HtmlRecorder()

    # the visitor: every public page, then the forms' error and inline-check states
    visitor = new_context(browser, live_server.url)
    recorder.attach(visitor)
    page = visitor.new_page()
    for sample_id, name, path in VISITOR_PAGES:
        visit(page, path)
        recorder.snapshot(page, f"{sample_id} {name}")
    visit(page, "/compte/creer")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".error-summary")).to_be_visible()
    recorder.snapshot(page, "Créer un compte en erreur")
    page.locator("#champ-email").fill("jean@ac-rennes.fr")
    page.locator("#champ-email-confirmation").fill("autre@ac-rennes.fr")
    page.locator("#champ-email-confirmation").press("Tab")
    expect(page.locator("#champ-email-confirmation-erreur")).to_be_visible()
    wait_for_htmx(page)
    recorder.snapshot(page, "Créer un compte, vérification en ligne")
    visit(page, "/connexion")
    page.locator("#champ-email").fill("personne@ac-rennes.fr")
    page.locator("#champ-password").fill("Mauvais.Mot2passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse mail ou mot de passe incorrect.").first).to_be_visible()
    recorder.snapshot(page, "Se connecter en erreur")
    visit(page, "/mot-de-passe/oublie")
    page.locator("#champ-email").fill("pas-une-adresse")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.locator(".error-summary")).to_be_visible()
    recorder.snapshot(page, "Mot de passe oublié en erreur")
    visit(page, "/compte/activer/lien-invalide")
    recorder.snapshot(page, "Lien d'activation invalide")
    visit(page, "/ouverture-des-services")
    page.get_by_label("Domaine").select_option(label="Autres certifications")
    wait_for_htmx(page)
    recorder.snapshot(page, "Ouverture des services, domaine choisi")
    visitor.close()

    # the candidate: a whole registration (tabs swapped by htmx), then every page and state
    user = candidate(browser, live_server)
    recorder.attach(user.context)
    page = user.context.new_page()
    for sample_id, name, path in user.pages():
        visit(page, path)
        recorder.snapshot(page, f"{sample_id} {name}")
    visit(page, f"{user.draft}/identification")
    page.get_by_label("Adresse 1").fill("")
    page.get_by_role("button", name="Suivant", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    wait_for_htmx(page)
    recorder.snapshot(page, "1 - Identification en erreur")
    visit(page, f"{user.draft}/situation")
    page.get_by_label("Corps").select_option(index=0)
    page.get_by_role("button", name="Suivant", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    wait_for_htmx(page)
    recorder.snapshot(page, "3 - Situation actuelle en erreur")
    page.get_by_label("Rechercher l'établissement ou le service").fill("0783371R")
    wait_for_htmx(page)
    recorder.snapshot(page, "3 - Situation actuelle, suggestions")
    for path in (
        f"/mes-inscriptions/{user.number}/imprimer",
        f"/mes-inscriptions/{user.number}/se-desinscrire",
        f"/mes-documents/{user.number}",
        f"{user.draft}/apercu",
    ):
        visit(page, path)
        recorder.snapshot(page, path)
    user.context.close()

    files: list[Path] = []
    names: dict[str, str] = {}
    for index, (label, html) in enumerate(recorder.captures):
        path = tmp_path / f"{index:03d}.html"
        path.write_text(as_document(html), encoding="utf-8")
        files.append(path)
        names[str(path)] = label
    assert len(files) >= 40, f"the walk reached only {len(files)} pages and states"
    errors = validate(files)
    assert not errors, report(errors, names)

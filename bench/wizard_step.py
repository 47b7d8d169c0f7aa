"""Benchmark: one step of the registration wizard in Chromium on a slow connection.

Starts a real `portal serve` on 127.0.0.1 with the demo data in a temporary folder, logs the demo
candidate in with Chromium (Playwright, Debian's chromium), opens a registration, then emulates
a slow link (DevTools: 400 kbit/s each way, 400 ms latency) and times "Suivant" (Identification →
Qualification présentée) and "Précédent" (back), from the click until the new tab's heading is
shown and htmx is idle. Appends medians to bench/results/wizard_step.md.

    PYTHONPATH=src python bench/wizard_step.py [--rounds 5] [--label after]

To measure another version of the code, point PYTHONPATH at its src folder (the server is a
subprocess and inherits it).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import time
from datetime import UTC, datetime

from playwright.sync_api import Page, sync_playwright
from server import append_result, demo_runtime, portal_server

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
EMAIL, PASSWORD = "jean.talu@example.fr", "Demo.Soleil!62"
SLOW = {
    "offline": False,
    "latency": 400,  # ms, added to each request's round trip
    "downloadThroughput": 400_000 / 8,  # bytes/s
    "uploadThroughput": 400_000 / 8,
}
IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def _heading_is(page: Page, text: str) -> None:
    page.wait_for_function(
        "(text) => { const h = document.querySelector('#wizard-step-title');"
        " return h && h.textContent.trim() === text"
        " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling'); }",
        arg=text,
        timeout=60_000,
    )


def _open_registration(page: Page) -> None:
    page.goto("/connexion")
    page.locator("#champ-email").fill(EMAIL)
    page.locator("#champ-password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"^(?!.*/connexion)"))
    page.goto("/m-inscrire")
    for label, value in (
        ("Domaine", "G02"),
        ("Certification", "CCPE1D"),
        ("Spécialité (secteur disciplinaire)", "ACA"),
        ("Académie", "versailles"),
    ):
        page.get_by_label(label, exact=True).select_option(value)
        page.wait_for_function(IDLE)
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Valider").click()
    _heading_is(page, "1 - Identification")
    page.get_by_label("Adresse 1").fill("Rue de la pluie")
    page.get_by_label("Code postal").fill("78270")
    # "Localité" is the postal code's communes since issue 15: it comes once the code is typed.
    page.wait_for_function("() => document.querySelector('select#champ-commune')")
    page.wait_for_function(IDLE)
    page.get_by_label("Localité").select_option(label="78270-BLARU")
    page.wait_for_function(IDLE)
    page.get_by_label("Nationalité").select_option(label="Français")
    page.get_by_label("Téléphone personnel").fill("0123456789")


def _timed(page: Page, button: str, heading: str) -> float:
    start = time.perf_counter()
    page.get_by_role("button", name=button, exact=True).click()
    _heading_is(page, heading)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--label", default="after")
    args = parser.parse_args()
    forward: list[float] = []
    back: list[float] = []
    requests: list[str] = []
    with demo_runtime() as env, portal_server(env) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(base_url=base, locale="fr-FR")
        page.set_default_timeout(60_000)
        _open_registration(page)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW)
        page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
        for _ in range(args.rounds):
            forward.append(_timed(page, "Suivant", "2 - Qualification présentée"))
            page.wait_for_timeout(300)
            back.append(_timed(page, "Précédent", "1 - Identification"))
            page.wait_for_timeout(300)
        browser.close()
    per_step = len([r for r in requests if "/brouillon/" in r]) / (2 * args.rounds)
    load = os.getloadavg()[0]
    header = (
        "| date (UTC) | code | python | rounds | Suivant p50 s | Précédent p50 s |"
        " wizard requests per step | load |\n|---|---|---|---|---|---|---|---|\n"
    )
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {args.label} | {platform.python_version()} |"
        f" {args.rounds} | {statistics.median(forward):.2f} | {statistics.median(back):.2f} |"
        f" {per_step:.1f} | {load:.1f} |"
    )
    append_result("wizard_step", header, line)


if __name__ == "__main__":
    main()

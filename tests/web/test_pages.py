"""Every foundation route over HTTP: status, French content, headers, errors without leaks."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from litestar import Request, get
from litestar.response import Template

from portal.app import create_app
from portal.web.htmx import render
from portal.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import Client


@get("/_test/boom")
async def boom() -> str:
    raise RuntimeError("SELECT secret FROM account -- /srv/portal/app.py line 42")


@get("/_test/fragment")
async def fragment_route(request: Request) -> Template:
    context = {"status": 200, "title": "Titre", "message": "Message"}
    return render(request, "errors/error.html.j2", context, fragment="_components/menu.html.j2")


@pytest.fixture
def extra_routes() -> list[Any]:
    return [boom, fragment_route]


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "<h1>Portail Candidat</h1>"),
        ("/accessibilite", "<h1>Déclaration d'accessibilité</h1>"),
        ("/mentions-legales", "<h1>Mentions légales</h1>"),
        ("/donnees-personnelles", "<h1>Données personnelles</h1>"),
    ],
)
async def test_public_pages(client, path: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert heading in html
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "<header" in html and "<nav" in html and "<main" in html and "<footer" in html
    assert 'role="status"' in html  # the flash area is announced
    assert 'hx-boost="true"' in html and "x-csrftoken" in html


async def test_accessibility_statement_is_honest(client) -> None:  # type: ignore[no-untyped-def]
    html = (await client.get("/accessibilite")).text
    assert "partiellement conforme" in html
    assert "RGAA" in html and "axe-core" in html
    assert "Aucun audit complet" in html


@pytest.mark.parametrize("path", ["/", "/nope", "/static/css/portal.css", "/healthz"])
async def test_security_headers_everywhere(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = await client.get(path)
    csp = response.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_one_url_answers_page_or_fragment(client) -> None:  # type: ignore[no-untyped-def]
    full = await client.get("/_test/fragment")
    assert "HX-Request" in full.headers["vary"]
    assert full.text.lstrip().startswith("<!doctype html>")
    fragment = await client.htmx_get("/_test/fragment")
    assert "HX-Request" in fragment.headers["vary"]
    assert fragment.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "<html" not in fragment.text and "<li>" in fragment.text
    boosted = await client.htmx_get("/_test/fragment", headers={"HX-Boosted": "true"})
    assert boosted.text.lstrip().startswith("<!doctype html>")
    restore = await client.htmx_get(
        "/_test/fragment", headers={"HX-History-Restore-Request": "true"}
    )
    assert restore.text.lstrip().startswith("<!doctype html>")


async def test_not_found_is_french_without_leaks(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/inscriptions/../../etc/passwd")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert "etc/passwd" not in response.text


async def test_method_not_allowed_is_french(client) -> None:  # type: ignore[no-untyped-def]
    await client.get("/")
    response = await client.submit("/mentions-legales")
    assert response.status_code == 405
    assert "Action impossible" in response.text


async def test_server_error_hides_stack_trace_path_and_sql(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/_test/boom")
    assert response.status_code == 500
    html = response.text
    assert "Erreur technique" in html
    for leak in ("Traceback", "SELECT", "/srv/portal", "RuntimeError", "app.py"):
        assert leak not in html
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_no_openapi_schema_routes(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/schema", "/schema/openapi.json", "/schema/swagger", "/docs"):
        assert (await client.get(path)).status_code == 404


async def test_healthz_checks_the_database(client, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"
    broken = replace(
        settings, database_url=f"sqlite+aiosqlite:///{tmp_path}"
    )  # a folder, not a file
    app = create_app(broken, run_background_tasks=False)
    async with Client(app=app) as broken_client:
        response = await broken_client.get("/healthz")
    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.text


async def test_static_files_are_cached_long_and_versioned(client) -> None:  # type: ignore[no-untyped-def]
    html = (await client.get("/")).text
    assert "/static/css/portal.css?v=" in html
    assert "/static/js/htmx-2.0.11.min.js?v=" in html
    response = await client.get("/static/js/htmx-2.0.11.min.js")
    assert "max-age=31536000" in response.headers["cache-control"]
    assert "immutable" in response.headers["cache-control"]


def test_vendored_htmx_matches_its_recorded_sha256() -> None:
    import hashlib
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "static" / "js"
    recorded, name = (folder / "htmx-2.0.11.min.js.sha256").read_text().split()
    assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == recorded


async def test_htmx_is_configured_for_the_strict_csp(client) -> None:  # type: ignore[no-untyped-def]
    html = (await client.get("/")).text
    assert '"allowEval":false' in html
    assert '"includeIndicatorStyles":false' in html
    assert '"historyCacheSize":0' in html  # no personal pages kept in localStorage
    assert "<script>" not in html and "style=" not in html and "hx-on" not in html

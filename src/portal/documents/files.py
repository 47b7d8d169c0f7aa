"""A document's PDF: its HTML from the PDF template, rendered by the worker processes of
``pdf.Renderer``, cached in the runtime folder by document and version, and its download name."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from portal.documents.models import Document
from portal.documents.pdf import Renderer, write_atomically
from portal.documents.qr import png_data_uri
from portal.documents.reading import view
from portal.settings import Settings

PDF_TEMPLATE = "documents/pdf/document.html.j2"


def file_name(content: dict[str, Any]) -> str:
    """A safe download name: ASCII letters, digits and dashes only."""
    parts = [content["kind"], content.get("candidate_number") or "", content["registration_number"]]
    if content.get("version"):
        parts.append(f"v{content['version']}")
    raw = "-".join(p for p in parts if p)
    ascii_only = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9-]+", "-", ascii_only).strip("-").lower() + ".pdf"


@cache
def _environment(templates_dir: Path, production: bool) -> Environment:
    from portal.web.templating import build_environment

    return build_environment(
        Settings(
            resources_dir=templates_dir.parent, env="production" if production else "development"
        )
    )


def pdf_html(settings: Settings, content: dict[str, Any], *, verify_url: str, fonts: bool) -> str:
    environment = _environment(settings.templates_dir, settings.is_production)
    template = environment.get_template(PDF_TEMPLATE)
    return template.render(doc=content, verify_url=verify_url, fonts=fonts, qr=png_data_uri)


def cache_path(settings: Settings, document: Document) -> Path:
    """Keyed by document and version: a published version never changes, so neither does its PDF."""
    return (
        settings.data_dir / "documents" / f"{document.id}-{document.kind}-v{document.version}.pdf"
    )


async def document_pdf(
    settings: Settings, renderer: Renderer, document: Document, *, verify_url: str
) -> bytes:
    path = cache_path(settings, document)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    html = pdf_html(settings, view(document), verify_url=verify_url, fonts=renderer.has_fonts)
    data = await renderer.render(html)
    write_atomically(path, data)
    return data


async def draft_pdf(renderer: Renderer, settings: Settings, content: dict[str, Any]) -> bytes:
    """Never cached: a draft changes at every step."""
    html = pdf_html(settings, content, verify_url="", fonts=renderer.has_fonts)
    return await renderer.render(html)

"""PDF rendering with xhtml2pdf: templates made for it, nothing ever fetched, off the event loop.

Every reference a template makes (a font, nothing else today) is written ``asset:<name>`` and the
link callback maps it to a bundled local file; anything else, whatever it is (a URL a candidate
typed that slipped into markup, ``@import``, ``<img>``, ``<link>``), is mapped to a path that does
not exist: the original URI is never used. A resource policy that forbids remote fetches and
confines local reads to the font folder stands behind the callback.

xhtml2pdf is synchronous and CPU-bound: ``render`` runs it in a worker thread, at most
``settings.pdf_concurrency`` at a time (the GIL would make more threads only slower, and each one
holds a whole document in memory).
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import anyio
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

# xhtml2pdf reports every missing resource and unknown CSS property at WARNING level, which for
# a refused reference is exactly what we want to happen quietly.
logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)

FONT_FILES = {
    "font-regular": "DejaVuSans.ttf",
    "font-bold": "DejaVuSans-Bold.ttf",
}
ASSET_PREFIX = "asset:"
REFUSED = "/nonexistent/portal-refused-reference"  # a path that never exists; never the URI


class RenderError(Exception):
    """xhtml2pdf could not produce the document."""


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    subject: str
    language: str = "fr-FR"


def assets(font_dir: Path) -> dict[str, str]:
    """``asset:<name>`` references the templates may use, mapped to existing local files."""
    found = {}
    for name, file_name in FONT_FILES.items():
        path = font_dir / file_name
        if path.is_file():
            found[f"{ASSET_PREFIX}{name}"] = str(path.resolve())
    return found


def link_callback_for(known: dict[str, str]) -> Callable[[str, str | None], str]:
    def link_callback(uri: str, _rel: str | None) -> str:
        return known.get(str(uri), REFUSED)

    return link_callback


@cache
def _policy(font_dir: Path) -> ResourceAccessPolicy:
    return ResourceAccessPolicy.server(base_dir=font_dir, allow_remote=False, max_render_seconds=60)


def render_sync(html: str, font_dir: Path) -> bytes:
    """One PDF from one complete HTML document (title, author, subject and language come from
    its ``<title>``, ``<meta name=author|subject>`` and ``<html lang>``)."""
    out = io.BytesIO()
    result = pisa.CreatePDF(
        html,
        dest=out,
        encoding="utf-8",
        link_callback=link_callback_for(assets(font_dir)),
        resource_policy=_policy(font_dir.resolve()),
    )
    if result.err:
        raise RenderError(f"xhtml2pdf reported {result.err} error(s)")
    return out.getvalue()


class Renderer:
    """Renders off the event loop with bounded concurrency; one per application."""

    def __init__(self, font_dir: Path, concurrency: int = 2) -> None:
        self.font_dir = font_dir
        self.limiter = anyio.CapacityLimiter(max(1, concurrency))

    @property
    def has_fonts(self) -> bool:
        return bool(assets(self.font_dir))

    async def render(self, html: str) -> bytes:
        return await anyio.to_thread.run_sync(
            render_sync, html, self.font_dir, limiter=self.limiter
        )


def write_atomically(path: Path, data: bytes) -> None:
    """Temporary file in the same folder, fsync, rename: a reader sees all of it or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

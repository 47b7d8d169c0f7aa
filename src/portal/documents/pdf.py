"""PDF rendering with xhtml2pdf: templates made for it, nothing ever fetched, off the event loop.

Every reference a template makes (a font) is written ``asset:<name>`` and the link callback maps
it to a bundled local file; an inline PNG (``data:image/png;base64,``: the QR codes of the cover
slips, made by the portal) is decoded in memory; anything else, whatever it is (a URL a candidate
typed that slipped into markup, ``@import``, ``<img>``, ``<link>``), is mapped to a path that does
not exist: the original URI is never used. A resource policy that forbids remote fetches and
confines local reads to the font folder stands behind the callback.

xhtml2pdf is synchronous, CPU-bound and pure Python: in a thread it holds the GIL, and 20 PDFs
rendering at once stalled every other request of the server (bench/RESULTS.md). ``Renderer``
runs it in worker processes instead, at most ``settings.pdf_concurrency`` of them, forked from a
forkserver that has xhtml2pdf already imported, so a new worker costs milliseconds, not the
seconds of importing it. The application makes one renderer (``create_app``) and closes it when
its lifespan ends; the workers start with the first PDF asked for.
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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


INLINE_PNG = "data:image/png;base64,"  # a QR code the portal drew itself: nothing is fetched


def link_callback_for(known: dict[str, str]) -> Callable[[str, str | None], str]:
    def link_callback(uri: str, _rel: str | None) -> str:
        text = str(uri)
        if text.startswith(INLINE_PNG):
            return text
        return known.get(text, REFUSED)

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


WARM_UP_HTML = (
    '<html lang="fr"><head><style>@font-face { font-family: "DejaVu Sans"; '
    'src: url("asset:font-regular"); } @font-face { font-family: "DejaVu Sans"; '
    'src: url("asset:font-bold"); font-weight: bold; } body { font-family: "DejaVu Sans"; }'
    "</style></head><body><p>é <b>É</b></p></body></html>"
)
TASKS_PER_WORKER = 500  # then a fresh worker: whatever a long-lived one accumulates goes
WORKER_NICENESS = 10  # pages before PDFs: the server's own process keeps the CPU it asks for


def _start_worker(font_dir: Path) -> None:
    """In each new worker: a lower CPU priority than the server's, and the fonts parsed once,
    before the first document waits for them."""
    os.nice(WORKER_NICENESS)
    if assets(font_dir):
        render_sync(WARM_UP_HTML, font_dir)


def _context() -> multiprocessing.context.ForkServerContext:
    # A forkserver is a clean single-threaded process: forking it is safe where forking the
    # server (threads, an event loop, open sockets) is not. It imports xhtml2pdf once.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class Renderer:
    """Renders in worker processes with bounded concurrency; one per application.

    ``processes=False`` renders in threads instead (same limit): for a caller without a
    lifespan to close the pool, such as a one-off script."""

    def __init__(self, font_dir: Path, concurrency: int = 2, *, processes: bool = True) -> None:
        self.font_dir = font_dir
        self.concurrency = max(1, concurrency)
        self.processes = processes
        self.limiter = anyio.CapacityLimiter(self.concurrency)
        self._pool: ProcessPoolExecutor | None = None

    @property
    def has_fonts(self) -> bool:
        return bool(assets(self.font_dir))

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.concurrency,
                mp_context=_context(),
                initializer=_start_worker,
                initargs=(self.font_dir,),
                max_tasks_per_child=TASKS_PER_WORKER,
            )
        return self._pool

    async def render(self, html: str) -> bytes:
        async with self.limiter:
            if not self.processes:
                return await anyio.to_thread.run_sync(render_sync, html, self.font_dir)
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(
                    self._executor(), render_sync, html, self.font_dir
                )
            except BrokenProcessPool:
                # A worker died (killed, out of memory): the pool is unusable; a new one, once.
                self._discard()
                return await loop.run_in_executor(
                    self._executor(), render_sync, html, self.font_dir
                )

    def _discard(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stops the workers (at the end of the application's lifespan)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


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

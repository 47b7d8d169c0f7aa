"""PDF rendering: how long the two-page récapitulatif takes, and whether 20 PDFs rendering at
once stall the other requests of the same server.

One process: a real uvicorn server on 127.0.0.1 running create_app() on a migrated SQLite file
with the demo data, plus a bench-only route that renders a récapitulatif (its content frozen as
publish_summary freezes it) through the application's own renderer (worker processes), without
the cache. While 20 clients ask for that PDF at the same moment, another client keeps asking for
the home page and its latency is compared to the same page's latency at rest. Appends one line to
results/pdf.md.

The machine is shared: wall times move with the load (noted, 1-minute average, at start and
end); the CPU time of one render, and the CPU the server process itself spent during the burst
(all of the rendering when it renders in threads, next to nothing with worker processes), do not.

    PYTHONPATH=src python bench/pdf.py            # the application's renderer: worker processes
    PYTHONPATH=src python bench/pdf.py --threads  # the same limit, in threads (the former way)
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
from litestar import Response, get
from litestar.di import NamedDependency

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import append_result

from portal import fixtures
from portal.app import create_app
from portal.documents import files, models
from portal.documents.pdf import WORKER_NICENESS, Renderer, render_sync
from portal.migrate import upgrade
from portal.settings import Settings

NOW = datetime(2019, 9, 18, 7, 34, tzinfo=UTC)
ROWS = {
    "Qualification présentée": [
        ("Certification", "CERTIFICATION COMPLEMENTAIRE PERSONNELS ENSEIGNANTS DU 1ER DEGRE"),
        ("Secteur Disciplinaire", "ARTS CINEMA et AUDIOVISUEL"),
        ("Académie", "ACADÉMIE DE VERSAILLES"),
        ("Session", "2020"),
    ],
    "Identification du candidat": [
        ("Civilité", "MONSIEUR"),
        ("Nom de famille", "TALU"),
        ("Nom d'usage", "-"),
        ("Prénoms", "Jean"),
        ("Date de naissance", "01/01/2001"),
        ("Commune de naissance", "BEUVRY"),
        ("Département, DOM ou COM de naissance", "062"),
        ("Pays de naissance", "FRANCE (DONT OUTRE-MER)"),
        ("Nationalité", "Français"),
    ],
    "Adresse et contact": [
        ("Adresse", "Rue de la pluie\n78270 BLARU\nFRANCE (DONT OUTRE-MER)"),
        ("Téléphone personnel", "0123456789"),
        ("Adresse mail", "jean.talu@example.fr"),
    ],
    "Informations Ressources Humaines": [
        ("Corps", "AGENT CONTRACTUEL 1ER DEGRE"),
        ("Statut", "Titulaire"),
        ("Position administrative", "Activité"),
    ],
    "Lieu d'exercice ou de formation": [
        ("Etablissement ou service", "ETABLISSEMENT PENITE (0783371R)"),
        ("Localité", "78000-VERSAILLES (078)"),
        ("Pays", "FRANCE (DONT OUTRE-MER)"),
    ],
}


def recap_content() -> dict:
    return {
        "kind": "recapitulatif",
        "title": "Récapitulatif d'inscription",
        "candidate_number": "01938019334",
        "registration_number": "001",
        "candidate_name": "TALU Jean",
        "qualification": "CERTIFICATION COMPLEMENTAIRE : ARTS CINEMA et AUDIOVISUEL",
        "domain_label": "Autres certifications",
        "year": 2020,
        "academy": "ACADÉMIE DE VERSAILLES",
        "office": {
            "name": "Rectorat de Versailles - DEC 4",
            "postal_address": ["3 boulevard de Lesseps", "78017 VERSAILLES CEDEX"],
            "phone": "0130836000",
            "email": "dec4@ac-versailles.fr",
        },
        "summary": {
            "sections": [
                {"title": title, "rows": [list(r) for r in rows]} for title, rows in ROWS.items()
            ],
            "papers": [
                {"kind": "Epreuve(s) obligatoire(s)", "label": f"0{i}0 - EPREUVE {i}", "mode": m}
                for i, m in ((1, "Orale"), (2, "Ecrite"), (3, "Orale"))
            ],
        },
        "version": 2,
        "published_at": NOW,
        "verification_code_grouped": "ABCD-EFGH-JKLM-NPQR",
        "unsaved": False,
        "author": models.AUTHOR,
    }


def renderer_label(threads: bool) -> str:
    from reportlab.lib import rl_accel

    accelerated = "fp_str" in rl_accel._c_funcs  # reportlab's C accelerator (rl-accel)
    mode = "threads" if threads else f"processes, nice {WORKER_NICENESS}"
    return mode + ("" if accelerated else ", no rl-accel")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    threads = "--threads" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        url = f"sqlite+aiosqlite:///{data_dir / 'portal.sqlite3'}"
        upgrade(url)  # runs its own event loop
        return asyncio.run(measure(data_dir, url, threads=threads))


async def measure(data_dir: Path, url: str, *, threads: bool) -> int:
    load_before = os.getloadavg()[0]
    settings = Settings.from_env({}, data_dir=data_dir, database_url=url)
    html = files.pdf_html(
        settings, recap_content(), verify_url="http://127.0.0.1/verifier", fonts=True
    )

    # 1. One render at a time, on this thread.
    render_sync(html, settings.pdf_font_dir)  # fonts registered once per process
    serial, serial_cpu = [], []
    for _ in range(30):
        started, cpu = time.perf_counter(), time.process_time()
        data = render_sync(html, settings.pdf_font_dir)
        serial.append((time.perf_counter() - started) * 1000)
        serial_cpu.append((time.process_time() - cpu) * 1000)
    from pypdf import PdfReader  # the document measured is the two-page recap

    pages = len(PdfReader(__import__("io").BytesIO(data)).pages)

    in_threads = Renderer(settings.pdf_font_dir, settings.pdf_concurrency, processes=False)

    @get("/bench/recap.pdf", name="bench:pdf")
    async def bench_pdf(renderer: NamedDependency[Renderer]) -> Response[bytes]:
        body = await (in_threads if threads else renderer).render(html)
        return Response(body, media_type="application/pdf")

    app = create_app(settings, run_background_tasks=False, extra_route_handlers=[bench_pdf])
    await fixtures.load(app.state.db, settings, NOW, demo=True)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def page_latencies(stop: asyncio.Event, out: list[float]) -> None:
            while not stop.is_set():
                started = time.perf_counter()
                response = await client.get("/")
                assert response.status_code == 200
                out.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.02)

        await client.get("/bench/recap.pdf")
        idle: list[float] = []
        stop = asyncio.Event()
        watcher = asyncio.create_task(page_latencies(stop, idle))
        await asyncio.sleep(3)
        stop.set()
        await watcher

        busy: list[float] = []
        stop = asyncio.Event()
        watcher = asyncio.create_task(page_latencies(stop, busy))
        rendered: list[float] = []

        async def one_pdf() -> None:
            started = time.perf_counter()
            response = await client.get("/bench/recap.pdf")
            assert response.status_code == 200 and response.content.startswith(b"%PDF")
            rendered.append((time.perf_counter() - started) * 1000)

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one_pdf() for _ in range(20)))
        burst = time.perf_counter() - started
        burst_cpu = time.process_time() - cpu
        stop.set()
        await watcher
    server.should_exit = True
    await task  # the lifespan's end closes the renderer's workers
    load_after = os.getloadavg()[0]

    header = (
        "# PDF rendering (xhtml2pdf, DejaVu Sans embedded)\n\n"
        "Render: the two-page récapitulatif, 30 times one after the other (wall and CPU time). "
        "Burst: 20 clients ask for it at once through the server (renderer concurrency from "
        "settings) while another client keeps loading the home page; its latency at rest and "
        "during the burst, and the CPU the server process spent during the burst.\n\n"
        "| date (UTC) | python | cores | load start/end | pages | render p50 ms | p95 ms "
        "| CPU per render p50 ms | renderer | concurrency | burst s | server CPU in burst s "
        "| PDF answer p50 ms | p95 ms | home at rest p50 ms | p95 ms "
        "| home during burst p50 ms | p95 ms | max ms |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {platform.python_version()} | {os.cpu_count()} "
        f"| {load_before:.1f}/{load_after:.1f} "
        f"| {pages} | {statistics.median(serial):.0f} | {percentile(serial, 0.95):.0f} "
        f"| {statistics.median(serial_cpu):.0f} | {renderer_label(threads)} "
        f"| {settings.pdf_concurrency} | {burst:.1f} | {burst_cpu:.1f} "
        f"| {statistics.median(rendered):.0f} | {percentile(rendered, 0.95):.0f} "
        f"| {statistics.median(idle):.1f} | {percentile(idle, 0.95):.1f} "
        f"| {statistics.median(busy):.1f} | {percentile(busy, 0.95):.1f} | {max(busy):.1f} |"
    )
    append_result("pdf", header, line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

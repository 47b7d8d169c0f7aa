"""How much memory a large upload costs the server: ``portal.pieces.upload.receive`` fed a
30 MB multipart body in 64 KiB chunks, as the ASGI server would, with tracemalloc measuring
the peak of Python allocations meanwhile (the client is not in the process). Also its
throughput (CPU-bound parsing and writing to the temporary file).

    PYTHONPATH=src python bench/pieces_upload.py
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import tracemalloc
from pathlib import Path

from portal.pieces import upload
from portal.pieces.storage import Storage

SIZE = 30_000_000
CHUNK = 65_536
BOUNDARY = "----bench"


def body_chunks():  # type: ignore[no-untyped-def]
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="fichier"; '
        'filename="gros.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    yield head
    block = b"x" * CHUNK
    sent = 0
    while sent < SIZE:
        part = block[: min(CHUNK, SIZE - sent)]
        sent += len(part)
        yield part
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


class FakeRequest:
    """Only what ``receive`` reads: headers and the body stream (CSRF taken as checked)."""

    def __init__(self) -> None:
        self.headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}

    async def stream(self):  # type: ignore[no-untyped-def]
        for chunk in body_chunks():
            yield chunk


async def main() -> None:
    upload.csrf_ok = lambda request, token: True  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage(Path(folder) / "pieces")
        request = FakeRequest()
        request.headers["x-csrftoken"] = "bench"
        tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        received = await upload.receive(
            request,  # type: ignore[arg-type]
            storage,
            max_bytes=SIZE,
            max_files=1,
            max_body=SIZE * 2,
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        [(name, staged)] = received.files
        assert staged.size == SIZE, staged.size
        print(
            f"{SIZE / 1e6:.0f} MB received as {name}: peak Python allocations {peak / 1e6:.2f} MB, "
            f"wall {wall:.2f} s, CPU {cpu:.2f} s ({SIZE / 1e6 / cpu:.0f} MB/s of CPU)"
        )
        received.discard(storage)


if __name__ == "__main__":
    asyncio.run(main())

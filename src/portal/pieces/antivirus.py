"""clamd's INSTREAM, spoken directly (a few lines of protocol, no client library).

``PORTAL_CLAMD_ADDRESS`` is ``host:port`` (TCP, e.g. ``127.0.0.1:3310``) or a path to clamd's
unix socket; empty means no scanning (``ScanState.unscanned``). ``scan`` answers clean, infected
(with the signature's name) or unavailable (clamd down, too slow, or answering nonsense): the
caller then keeps the file as "analyse en cours" and the rescan job tries again.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass
from pathlib import Path

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Verdict:
    clean: bool
    available: bool
    signature: str = ""


UNAVAILABLE = Verdict(clean=False, available=False)


async def _open(address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if address.startswith("/"):
        return await asyncio.open_unix_connection(address)
    host, _, port = address.rpartition(":")
    return await asyncio.open_connection(host or "127.0.0.1", int(port))


async def scan(address: str, path: Path) -> Verdict:
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            return await _scan(address, path)
    except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
        return UNAVAILABLE


async def _scan(address: str, path: Path) -> Verdict:
    reader, writer = await _open(address)
    try:
        writer.write(b"zINSTREAM\0")
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                writer.write(struct.pack(">I", len(chunk)) + chunk)
                await writer.drain()
        writer.write(struct.pack(">I", 0))
        await writer.drain()
        answer = (await reader.read(4096)).rstrip(b"\0").decode("utf-8", "replace").strip()
    finally:
        writer.close()
    # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
    if answer.endswith(" FOUND"):
        return Verdict(False, True, answer.removeprefix("stream:").removesuffix("FOUND").strip())
    if answer.endswith(" OK"):
        return Verdict(True, True)
    return UNAVAILABLE

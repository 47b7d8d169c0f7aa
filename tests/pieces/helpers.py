"""Helpers for the pieces tests: a registered candidate (CCPE1D ARTS CINEMA et AUDIOVISUEL in
Versailles, whose demo pieces are online, postal, closed and to come), real files made here,
and multipart uploads sent as a browser would (the CSRF field before the file)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from PIL import Image
from pypdf import PdfWriter
from sqlmodel import select

from portal.pieces.models import Piece, PieceUpload
from tests.documents.helpers import register_certification, registration_row
from tests.registrations.conftest import log_in

__all__ = ["log_in", "register_certification", "registration_row"]


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 200, 30)).save(out, format="JPEG")
    return out.getvalue()


def polyglot_pdf_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("evil.html", "<script>alert(1)</script>")
    return pdf_bytes() + archive.getvalue()


async def piece(db, code: str) -> Piece:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return (await session.exec(select(Piece).where(Piece.code == code))).one()


async def set_limits(db, code: str, **values: Any) -> Piece:  # type: ignore[no-untyped-def]
    async with db.write() as session:
        row = (await session.exec(select(Piece).where(Piece.code == code))).one()
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
    return await piece(db, code)


async def uploads(db) -> list[PieceUpload]:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return list((await session.exec(select(PieceUpload).order_by(PieceUpload.id))).all())


async def send(
    client,
    number: str,
    piece_id: int,
    files: list[tuple[str, bytes, str]],
    *,
    htmx: bool = False,
    csrf: bool = True,
):  # type: ignore[no-untyped-def]
    """POST the upload form: ``files`` as (name, content, content type) in the ``fichier`` field."""
    if "csrftoken" not in client.cookies:
        await client.get("/")
    data = {"_csrf_token": client.csrf_token()} if csrf else {}
    headers = {"HX-Request": "true", "HX-Target": f"piece-{piece_id}"} if htmx else {}
    return await client.post(
        f"/mes-justificatifs/{number}/{piece_id}/ajouter",
        data=data,
        files=[("fichier", f) for f in files],
        headers=headers,
    )

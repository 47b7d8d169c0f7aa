"""QR codes for the PDFs (the postal pieces' cover slips): made by segno, embedded as an inline
PNG (``data:`` URI), so the PDF renderer never fetches anything."""

from __future__ import annotations

import segno


def png_data_uri(text: str) -> str:
    """A QR code of ``text`` (error correction M, a quiet zone of 4 modules) as a PNG data URI,
    large enough that a 203 dpi print keeps every module sharp."""
    return segno.make_qr(text, error="m").png_data_uri(scale=6, border=4)

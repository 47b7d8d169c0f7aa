"""What a deposited file is, decided by its content, never by its name or the browser's word.

A file is accepted when its first bytes say PDF, JPEG, PNG or HEIC/HEIF (a phone photo) *and*
it opens as such: a PDF with pypdf (at least one page, not password-protected), an image with
Pillow within ``PIXEL_LIMIT`` pixels (a decompression bomb is refused before it is decoded).
Polyglots (a PDF or an image that is also a ZIP archive) are refused, and so is a name whose
extension claims another type than the content. Images are re-encoded: EXIF (GPS position,
serial numbers) and every other metadata are dropped, the rotation EXIF asked for is applied,
HEIC becomes JPEG. Several photos of one piece become one PDF (img2pdf).

Every refusal is a ``ContentError`` with a French message naming the file.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import img2pdf
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.errors import PyPdfError

PIXEL_LIMIT = 40_000_000  # 40 Mpx: a 48 Mpx phone sensor is binned to 12 Mpx; more is suspect
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
FORMAT_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "heic": "photo HEIC (iPhone)"}
EXTENSIONS = {
    "pdf": "pdf",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "png": "png",
    "heic": "heic",
    "heif": "heic",
}
MEDIA_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
SUFFIXES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
_heif_registered = False


class ContentError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Result:
    """What will be kept: ``data`` is None when the received file is kept as it is (a PDF)."""

    media_type: str
    data: bytes | None


def formats_label(formats: str) -> str:
    """``"pdf,jpeg,png,heic"`` as the form says it: "PDF, JPEG, PNG ou photo HEIC (iPhone)"."""
    labels = [FORMAT_LABELS[f] for f in accepted(formats)]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " ou " + labels[-1]


def accepted(formats: str) -> list[str]:
    return [f for f in (s.strip() for s in formats.split(",")) if f in FORMAT_LABELS]


def size_label(size: int) -> str:
    """Bytes as people read them: "5 Mo", "1,5 Mo", "800 Ko" (1 Mo = 1 000 000 octets)."""
    if size >= 1_000_000:
        text = f"{size / 1_000_000:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{text} Mo"
    if size >= 1_000:
        return f"{size // 1_000} Ko"
    return f"{size} octets"


def clean_name(name: str | None) -> str:
    """The candidate's file name, for showing only: no folders, no control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[:200] or "fichier"


def sniff(head: bytes) -> str | None:
    """The type the first bytes announce: pdf, jpeg, png, heic, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "heic"
    return None


def _what_else(head: bytes) -> str:
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF") or head.startswith(b"#!"):
        return "un programme"
    if head.startswith(b"PK\x03\x04"):
        return "une archive ZIP ou un document bureautique"
    if head.lstrip()[:15].lower().startswith((b"<!doctype", b"<html", b"<svg", b"<?xml")):
        return "une page web ou un fichier XML"
    return "d'un type non accepté"


def check(path: Path, name: str, formats: str) -> tuple[str, Result | None]:
    """The kind of one received file (pdf, jpeg, png, heic) after every check; a PDF is also
    validated here (``Result`` with ``data=None``), images are decoded later by ``prepare``."""
    size = path.stat().st_size
    if size == 0:
        raise ContentError(f"Le fichier « {name} » est vide.")
    with path.open("rb") as handle:
        head = handle.read(64)
    kind = sniff(head)
    allowed = accepted(formats)
    if kind is None:
        raise ContentError(
            f"Le fichier « {name} » n'est pas accepté : c'est {_what_else(head)}. "
            f"Formats acceptés : {formats_label(formats)}."
        )
    if kind not in allowed:
        raise ContentError(
            f"Le fichier « {name} » est au format {FORMAT_LABELS[kind]}, qui n'est pas accepté "
            f"pour cette pièce. Formats acceptés : {formats_label(formats)}."
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    claimed = EXTENSIONS.get(extension)
    if claimed is not None and claimed != kind:
        raise ContentError(
            f"Le nom du fichier « {name} » annonce un fichier {FORMAT_LABELS[claimed]}, mais son "
            f"contenu est au format {FORMAT_LABELS[kind]}. Choisissez le bon fichier."
        )
    if zipfile.is_zipfile(path):
        raise ContentError(
            f"Le fichier « {name} » contient aussi une archive cachée : il est refusé. "
            "Enregistrez-le de nouveau (par exemple « Imprimer en PDF ») puis déposez-le."
        )
    if kind == "pdf":
        _check_pdf(path, name)
        return kind, Result("application/pdf", None)
    return kind, None


def _check_pdf(path: Path, name: str) -> None:
    unreadable = f"Le fichier « {name} » n'est pas un PDF lisible (il est peut-être abîmé)."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted:
                raise ContentError(
                    f"Le PDF « {name} » est protégé par un mot de passe : le gestionnaire ne "
                    "pourrait pas l'ouvrir. Déposez une version sans mot de passe."
                )
            pages = len(reader.pages)
            if pages:
                reader.pages[0].mediabox  # noqa: B018 (the first page must parse)
    except ContentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ContentError(unreadable) from exc
    if pages == 0:
        raise ContentError(unreadable)


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


def reencode(path: Path, name: str, kind: str) -> tuple[bytes, str]:
    """Decode the image within the pixel limit, apply its EXIF rotation, drop its metadata;
    JPEG and HEIC come back as JPEG, PNG as PNG. Returns (bytes, media type)."""
    if kind == "heic":
        _register_heif()
    unreadable = f"L'image « {name} » ne peut pas être lue (elle est peut-être abîmée)."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > PIXEL_LIMIT:
                    raise ContentError(
                        f"L'image « {name} » est trop grande ({width} × {height} pixels) : "
                        f"{PIXEL_LIMIT // 1_000_000} millions de pixels au plus."
                    )
                image.load()
                upright = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                if kind == "png":
                    clean = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
                    clean.save(out, format="PNG", optimize=True)
                    return out.getvalue(), "image/png"
                clean = upright.convert("RGB")
                clean.save(out, format="JPEG", quality=88, optimize=True)
                return out.getvalue(), "image/jpeg"
    except ContentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ContentError(
            f"L'image « {name} » est trop grande : {PIXEL_LIMIT // 1_000_000} millions de "
            "pixels au plus."
        ) from exc
    except (OSError, ValueError, SyntaxError, MemoryError) as exc:
        raise ContentError(unreadable) from exc


def photos_to_pdf(images: list[bytes]) -> bytes:
    """Several re-encoded photos as one PDF, one page each (A4 width, lossless embedding)."""
    layout = img2pdf.get_layout_fun((img2pdf.mm_to_pt(210), None))
    return img2pdf.convert(images, layout_fun=layout)

"""Receiving a multipart upload as it streams in, without holding it in memory.

The upload route is excluded from Litestar's CSRF middleware, which would read the whole body
into memory to find the token: here the token comes from the ``x-csrftoken`` header (htmx) or
from the ``_csrf_token`` field, which the form sends before the file, and it is checked with the
middleware's own rule before a single byte of a file is written. Each file is counted while it
streams into a temporary file: one byte over the piece's limit stops the reading and discards
everything received.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.middleware.csrf import CSRFMiddleware
from litestar.utils.scope.state import ScopeState
from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from portal.pieces.content import clean_name, size_label
from portal.pieces.storage import Staged, Storage

FIELD = "fichier"
MAX_FIELD_BYTES = 4096


class UploadRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CSRFRejected(Exception):
    """No valid CSRF token before the file: answered 403, like the middleware does."""


@dataclass
class Received:
    files: list[tuple[str, Staged]] = field(default_factory=list)  # (shown name, temp file)

    def discard(self, storage: Storage) -> None:
        for _, staged in self.files:
            storage.discard(staged.path)
        self.files.clear()


def octets(size: int) -> str:
    """5000000 as "5 000 000" (a narrow no-break space between thousands)."""
    return f"{size:,}".replace(",", "\u202f")


def csrf_ok(request: Request, token: str | None) -> bool:
    config: CSRFConfig = request.app.csrf_config  # type: ignore[assignment]
    cookie = request.cookies.get(config.cookie_name)
    if not token or not cookie:
        return False
    checker = CSRFMiddleware(app=None, config=config)  # type: ignore[arg-type]
    if not checker._csrf_tokens_match(token, cookie):
        return False
    # What the middleware records for a checked request: the page rendered after this upload
    # (its errors, without JavaScript) carries the same token as the cookie.
    ScopeState.from_scope(request.scope).csrf_token = token
    return True


async def receive(
    request: Request, storage: Storage, *, max_bytes: int, max_files: int, max_body: int
) -> Received:
    """The files of the ``fichier`` field, each in a temporary file; raises UploadRejected
    (with what was received discarded) or CSRFRejected."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != "multipart/form-data" or not options.get("boundary"):
        raise UploadRejected("Choisissez un fichier à déposer.")
    header_token = request.headers.get("x-csrftoken")
    trusted = csrf_ok(request, header_token) if header_token else False
    too_large = UploadRejected(
        f"L'envoi dépasse {size_label(max_body)} : déposez moins de fichiers à la fois."
    )
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > max_body:
        raise too_large
    total = 0
    received = Received()
    segment: MultipartSegment | None = None
    current: Staged | None = None
    value = bytearray()
    rejected: UploadRejected | None = None
    try:
        with PushMultipartParser(
            options["boundary"], max_segment_count=max_files + 8, strict=True
        ) as parser:
            async for chunk in request.stream():
                total += len(chunk)
                if total > max_body:
                    raise too_large
                if rejected is not None:
                    continue  # read to the end, so that the browser reads the answer
                try:
                    for event in parser.parse(chunk):
                        if isinstance(event, MultipartSegment):
                            segment, current, value = event, None, bytearray()
                            if segment.filename is not None and segment.name == FIELD:
                                if not trusted:
                                    raise CSRFRejected()
                                if not segment.filename:  # the field sent with no file chosen
                                    continue
                                if len(received.files) >= max_files:
                                    raise UploadRejected(
                                        f"Vous pouvez déposer {max_files} fichier"
                                        f"{'s' if max_files > 1 else ''} au plus pour cette "
                                        "pièce."
                                    )
                                current = storage.new_temporary()
                                received.files.append((clean_name(segment.filename), current))
                        elif event is None:  # end of a segment
                            if (
                                segment is not None
                                and segment.name == "_csrf_token"
                                and not trusted
                            ):
                                trusted = csrf_ok(request, value.decode("ascii", "replace"))
                            segment, current = None, None
                        elif current is not None:
                            if current.size + len(event) > max_bytes:
                                name = received.files[-1][0]
                                raise UploadRejected(
                                    f"Le fichier « {name} » dépasse la taille maximale de "
                                    f"{size_label(max_bytes)} ({octets(max_bytes)} octets)."
                                )
                            storage.append(current, bytes(event))
                        elif segment is not None and segment.filename is None:
                            value += event
                            if len(value) > MAX_FIELD_BYTES:
                                raise UploadRejected("Le formulaire envoyé n'est pas valide.")
                except UploadRejected as refusal:
                    rejected = refusal
                    received.discard(storage)
            if rejected is not None:
                raise rejected
    except MultipartError as exc:
        received.discard(storage)
        raise UploadRejected(
            "L'envoi du fichier a été interrompu ou n'est pas valide : réessayez."
        ) from exc
    except BaseException:
        received.discard(storage)
        raise
    if not trusted:
        received.discard(storage)
        raise CSRFRejected()
    if not received.files:
        raise UploadRejected("Choisissez un fichier à déposer.")
    return received


async def drain(request: Request, max_body: int) -> None:
    """Read and drop a body we refuse before reading (a piece locked or closed meanwhile), so
    that the browser, still sending, reads the answer instead of a reset connection."""
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > max_body:
            return

"""Logs that cannot be forged and can be followed: one line per event, ``key=value``, every value
escaped (a CR, LF, NUL or ESC that came in a request is written ``\\r``, ``\\n``, ``\\x00``,
``\\x1b``), and the request id on each line (also shown on error pages as "Référence")."""

from __future__ import annotations

import logging
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO

request_id: ContextVar[str] = ContextVar("request_id", default="-")

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the backslash itself
# (so that an escaped sequence can never be faked by sending it literally).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\\"]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(value: object) -> str:
    """``value`` as text on one line, with every control character written as an escape."""
    return _UNSAFE.sub(_escape_char, str(value))


def new_request_id() -> str:
    return secrets.token_hex(8)


class LineFormatter(logging.Formatter):
    """``time=… level=… logger=… request_id=… message="…"`` (plus ``error="…"``), one line."""

    def format(self, record: logging.LogRecord) -> str:
        instant = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields = [
            f"time={instant}",
            f"level={record.levelname}",
            f"logger={escape(record.name)}",
            f"request_id={escape(getattr(record, 'request_id', None) or request_id.get())}",
            f'message="{escape(record.getMessage())}"',
        ]
        if record.exc_info:
            fields.append(f'error="{escape(self.formatException(record.exc_info))}"')
        elif record.exc_text:
            fields.append(f'error="{escape(record.exc_text)}"')
        if record.stack_info:
            fields.append(f'stack="{escape(self.formatStack(record.stack_info))}"')
        return " ".join(fields)


def configure(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """The portal's logging, as `portal serve` runs it: one handler on the root logger with the
    line formatter; uvicorn's and Litestar's loggers write through it too."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LineFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
    return handler

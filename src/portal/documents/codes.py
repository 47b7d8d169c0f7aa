"""Verification codes printed on every document: 80 random bits in RFC 4648 base32, grouped by
four for reading, and forgiving of what people mistype."""

from __future__ import annotations

import re
import secrets

CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32: no 0/1/8/9 to misread
CODE_LENGTH = 16  # 80 bits from secrets: guessing one among millions still takes ~2^57 tries
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """``ABCDEFGHJKLMNPQR`` printed as ``ABCD-EFGH-JKLM-NPQR``, easier to read and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalized_code(typed: str) -> str | None:
    """What someone typed, as a stored code: case, spaces, dashes and look-alikes forgiven."""
    cleaned = re.sub(r"[\s\-.]", "", (typed or "").upper()).translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned

"""The forms kernel shared by every domain: cleaning, the result of a validation, dates.

A validator takes the submitted values and returns a ``Result``: the clean values and French
messages keyed by field, in the order of the form (the error summary's order). Inline checks
(htmx, on leaving a field) and the full submit run the same validators.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

FRANCE = "100"  # the INSEE code of France in the country list

Values = Mapping[str, Any]


def clean_text(value: Any) -> str:
    """NFC, runs of white space folded to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())


def ascii_digits(text: str) -> bool:
    """Only the digits 0-9 (``str.isdigit`` also accepts Arabic-Indic and other digits)."""
    return text.isascii() and text.isdigit()


_DATE = re.compile(r"([0-9]{1,2})[/.\- ]([0-9]{1,2})[/.\- ]([0-9]{4})")


def looks_like_date(value: Any) -> bool:
    """Typed as a day (the shapes ``parse_date`` reads), whether or not that day exists."""
    text = clean_text(value)
    return (len(text) == 8 and ascii_digits(text)) or _DATE.fullmatch(text) is not None


def parse_date(value: Any) -> date | None:
    """A day as people type it: ``30/05/1998``, ``30-05-1998``, ``30.05.1998`` or what a phone
    keypad gives, ``30051998``. ASCII digits only; None when it is not a real date."""
    text = clean_text(value)
    if len(text) == 8 and ascii_digits(text):
        day, month, year = int(text[:2]), int(text[2:4]), int(text[4:])
    else:
        match = _DATE.fullmatch(text)
        if not match:
            return None
        day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class Result:
    clean: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Field:
    """One field of a form as its template shows it (label, hint, kind) and htmx checks it."""

    name: str
    label: str
    kind: str = "text"  # text | email | password | select | date
    required: bool = True
    hint: str | None = None
    autocomplete: str | None = None
    options: str | None = None  # which list a select offers, e.g. civility | country
    inline_check: bool = True  # checked by htmx on leaving the field

"""The cells of the CSV files the back office writes and reads back.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab, a carriage
return) as a formula: a candidate's name or a label typed as ``=HYPERLINK(…)`` would run in the
manager's spreadsheet (CSV injection). Such a cell is written with a leading apostrophe, which
spreadsheets show as text; a cell that starts with an apostrophe gets one more, so that reading a
file back (the catalog's export, edited, then imported) gives every value exactly as it was.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = (*FORMULA_STARTS, "'")


def cell(value: Any) -> str:
    """A value as a CSV cell no spreadsheet reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_QUOTED) else text


def read_cell(text: str) -> str:
    """The value of a cell written by :func:`cell` (or typed so in a spreadsheet)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_QUOTED) else text

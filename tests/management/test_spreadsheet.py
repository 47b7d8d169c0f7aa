"""CSV cells no spreadsheet reads as a formula, read back exactly as they were written."""

from __future__ import annotations

import pytest

from portal.management.spreadsheet import cell, read_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-", "'-"),
        ("@SOMME(A1)", "'@SOMME(A1)"),
        ("\\tx", "\\tx"),
        ("\tx", "'\tx"),
        ("'déjà", "''déjà"),
        ("DUPONT", "DUPONT"),
        ("", ""),
        (None, ""),
        (2027, "2027"),
    ],
)
def test_a_cell_is_never_a_formula_and_reads_back(value: object, written: str) -> None:
    assert cell(value) == written
    assert read_cell(cell(value)) == ("" if value is None else str(value))


def test_an_apostrophe_typed_before_a_formula_in_a_spreadsheet_is_taken_off() -> None:
    assert read_cell("'=A1") == "=A1"
    assert read_cell("l'été") == "l'été" and read_cell("'été") == "'été"

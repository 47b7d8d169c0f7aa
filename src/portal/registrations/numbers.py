"""Candidate and registration numbers, handled with money-grade care.

A **candidate number** (N° candidat) has 11 digits, like the guide's "01938019334":
``YY`` (the year it was assigned) + an 8-digit sequence + a Luhn check digit, so that a number
read over the phone with one wrong or two swapped digits is caught. The sequence comes from a
counter row updated inside the saving transaction (never from ``max()+1``: DECISIONS.md 3), so
numbers are unique and never reused, even when registrations are later withdrawn.

A **registration number** (N° inscription) is "001", "002", ... per candidate, from a counter on
the account updated in the same transaction.
"""

from __future__ import annotations

SEQUENCE_DIGITS = 8


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 0:  # every second digit from the right, starting with the last one
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid_candidate_number(number: str) -> bool:
    return (
        len(number) == 3 + SEQUENCE_DIGITS
        and number.isascii()
        and number.isdigit()
        and luhn_digit(number[:-1]) == number[-1]
    )


def candidate_number(year: int, sequence: int) -> str:
    if not 1 <= sequence < 10**SEQUENCE_DIGITS:
        raise ValueError(f"candidate sequence out of range: {sequence}")
    body = f"{year % 100:02d}{sequence:0{SEQUENCE_DIGITS}d}"
    return body + luhn_digit(body)


def registration_number(count: int) -> str:
    if not 1 <= count <= 999:
        raise ValueError(f"registration count out of range: {count}")
    return f"{count:03d}"

from __future__ import annotations

import pytest

from portal.registrations.numbers import (
    candidate_number,
    is_valid_candidate_number,
    luhn_digit,
    registration_number,
)


def test_luhn_known_values() -> None:
    assert luhn_digit("7992739871") == "3"  # the textbook example
    assert luhn_digit("0") == "0"


def test_candidate_number_format() -> None:
    number = candidate_number(2026, 1)
    assert number == "26000000013"  # 2+0...+1 doubled: 2, 6 doubled: 3, 2: total 7
    assert len(number) == 11 and is_valid_candidate_number(number)
    assert candidate_number(2027, 12_345_678).startswith("2712345678")


def test_check_digit_catches_one_wrong_digit_and_adjacent_swaps() -> None:
    number = candidate_number(2026, 4_815_162)
    for i in range(10):
        for digit in "0123456789":
            if digit != number[i]:
                assert not is_valid_candidate_number(number[:i] + digit + number[i + 1 :])
    for i in range(9):
        a, b = number[i], number[i + 1]
        if a != b and {a, b} != {"0", "9"}:  # the one swap Luhn cannot see
            swapped = number[:i] + b + a + number[i + 2 :]
            assert not is_valid_candidate_number(swapped)


def test_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        candidate_number(2026, 0)
    with pytest.raises(ValueError):
        candidate_number(2026, 10**8)
    assert registration_number(1) == "001"
    assert registration_number(42) == "042"
    with pytest.raises(ValueError):
        registration_number(1000)
    assert not is_valid_candidate_number("2600000001a")

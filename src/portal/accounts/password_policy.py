"""The password rule of guide §3 (lengths are settings), beside the hashing in ``passwords``."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from portal.settings import Settings

SPECIAL_EXAMPLES = "(ex : . / ! * etc...)"


def password_rule(settings: Settings) -> str:
    return (
        f"{settings.password_min_length} à {settings.password_max_length} caractères dont "
        f"majuscule, minuscule et caractère spécial {SPECIAL_EXAMPLES}"
    )


@lru_cache(maxsize=4)
def common_passwords(path: Path) -> frozenset[str]:
    with path.open(encoding="utf-8") as handle:
        return frozenset(
            line.strip() for line in handle if line.strip() and not line.startswith("#")
        )


def is_common(password: str, settings: Settings) -> bool:
    known = common_passwords(settings.reference_dir / "common-passwords.txt")
    lowered = password.lower()
    bare = re.sub(r"^[\W_]+|[\W_]+$", "", lowered)
    return lowered in known or bare in known


def password_problem(password: str, settings: Settings) -> str | None:
    """The guide's rule, never truncating; accented letters are letters."""
    password = unicodedata.normalize("NFC", password)
    if not password:
        return "Saisissez un mot de passe."
    if len(password) < settings.password_min_length:
        return f"Le mot de passe doit comporter au moins {settings.password_min_length} caractères."
    if len(password) > settings.password_max_length:
        return (
            f"Le mot de passe doit comporter {settings.password_max_length} caractères au maximum."
        )
    if any(unicodedata.category(char).startswith("C") for char in password):
        return "Le mot de passe contient un caractère invisible non autorisé."
    if not any(char.islower() for char in password):
        return "Le mot de passe doit comporter au moins une minuscule."
    if not any(char.isupper() for char in password):
        return "Le mot de passe doit comporter au moins une majuscule."
    if not any(not char.isalnum() for char in password):
        return f"Le mot de passe doit comporter au moins un caractère spécial {SPECIAL_EXAMPLES}."
    if is_common(password, settings):
        return "Ce mot de passe est trop courant et facile à deviner : choisissez-en un autre."
    return None

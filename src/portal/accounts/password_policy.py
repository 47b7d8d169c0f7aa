"""The password rule of guide §3 (lengths are settings), beside the hashing in ``passwords``."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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


# -- what the password must not contain: the person's own names and email ----------------------
MIN_PART = 3  # shorter name parts ("LE", "Y") are left out: too many passwords would hold them


def fold(text: str) -> str:
    """Case and accents folded: "Hélène" and "HELENE" read the same."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _parts(name: str) -> list[str]:
    return [part for part in re.split(r"[\W_\d]+", fold(name)) if len(part) >= MIN_PART]


@dataclass(frozen=True)
class Personal:
    """The words a person's password must not contain (any of them may be empty)."""

    family_names: tuple[str, ...] = ()  # nom de famille, nom d'usage
    first_names: str = ""
    email: str = ""


def personal_problem(password: str, personal: Personal) -> str | None:
    """Why the password is refused because it holds the person's name or email, or None."""
    folded = fold(password)
    for name in personal.family_names:
        for part in _parts(name):
            if part in folded:
                return (
                    "Le mot de passe ne doit pas contenir votre nom "
                    f"(« {part.upper()} ») : il serait trop facile à deviner."
                )
    for part in _parts(personal.first_names):
        if part in folded:
            return (
                "Le mot de passe ne doit pas contenir votre prénom "
                f"(« {part.capitalize()} ») : il serait trop facile à deviner."
            )
    local = fold(personal.email.rpartition("@")[0] if "@" in personal.email else "")
    if len(local) >= MIN_PART and local in folded:
        return (
            "Le mot de passe ne doit pas contenir la partie de votre adresse mail avant "
            f"l'arobase (« {local} ») : il serait trop facile à deviner."
        )
    return None

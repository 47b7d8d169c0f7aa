"""The pieces' domain errors: ``message`` is the French sentence for the candidate."""

from __future__ import annotations


class PieceError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(PieceError):
    """Not the candidate's, or not there: answered 404."""

    def __init__(self) -> None:
        super().__init__("Cette pièce n'existe pas.")

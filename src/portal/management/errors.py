"""The back office's refusals, each with its French message for the manager."""

from __future__ import annotations


class ManagementError(Exception):
    """A rule said no; ``message`` is for the manager, ``field`` names the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class OutOfScope(ManagementError):
    """Not a manager, or an object outside the manager's académies: answered 404."""

    def __init__(self) -> None:
        super().__init__("Page introuvable.")

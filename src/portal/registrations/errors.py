"""What the registration rules refuse; each ``message`` is for the candidate."""

from __future__ import annotations

from portal.registrations.models import Registration


class RegistrationError(Exception):
    """A rule said no; ``message`` is for the candidate."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlreadyRegistered(RegistrationError):
    def __init__(self, registration: Registration) -> None:
        super().__init__(
            "Vous êtes déjà inscrit(e) à cette session : retrouvez votre candidature "
            f"n° {registration.registration_number} dans « Mes inscriptions »."
        )
        # Kept as a plain value: the row itself expires when the transaction rolls back.
        self.registration_number = registration.registration_number


class ModifiedMeanwhile(RegistrationError):
    """Optimistic locking: the registration was saved elsewhere since this draft began."""

    def __init__(self, version: int) -> None:
        super().__init__(
            "Cette inscription a été modifiée entre-temps, dans un autre onglet ou une autre "
            f"fenêtre (elle est maintenant en version {version:02d}). Vos dernières saisies ont "
            "été conservées ci-dessous mais ne sont pas encore enregistrées : vérifiez-les, puis "
            "enregistrez de nouveau."
        )
        self.version = version


class DraftAlreadySaved(Exception):
    """A tab of a draft that another tab (or a double click) has already saved."""

    def __init__(self, registration_number: str) -> None:
        super().__init__(registration_number)
        self.registration_number = registration_number


class DraftTooLarge(RegistrationError):
    """A draft would exceed its size cap (no real answers come close: a forged form)."""

    def __init__(self) -> None:
        super().__init__(
            "Les informations saisies sont trop volumineuses pour être conservées. "
            "Vérifiez ce que vous avez saisi, puis recommencez."
        )

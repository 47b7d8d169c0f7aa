"""The refusals of the account rules, each with its French message for the candidate."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts import throttling


class AccountError(Exception):
    """A rule said no; ``message`` is for the candidate, ``field`` names the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class LinkInvalid(AccountError):
    """A signed link that is altered, superseded, already used or expired."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class LoginFailed(AccountError):
    def __init__(self, wait: timedelta | None = None) -> None:
        message = "Adresse mail ou mot de passe incorrect."
        if wait:
            message += f" Par sécurité, réessayez dans {throttling.minutes_label(wait)}."
        super().__init__(message)
        self.wait = wait


class LoginThrottled(AccountError):
    def __init__(self, wait: timedelta) -> None:
        super().__init__(
            "Trop de tentatives de connexion ont échoué. "
            f"Réessayez dans {throttling.minutes_label(wait)}, ou réinitialisez votre mot de passe."
        )
        self.wait = wait


class AccountNotActive(AccountError):
    def __init__(self) -> None:
        super().__init__(
            "Votre compte n'est pas encore activé : cliquez sur le lien contenu dans le mail "
            "reçu à la création du compte, ou demandez un nouveau lien."
        )


class RateLimited(AccountError):
    """Too many requests of one kind from one client address (a burst): nothing was done."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(
            "Trop de demandes ont été faites depuis votre connexion internet. "
            f"Réessayez dans {throttling.minutes_label(wait)} : rien n'a été modifié."
        )
        self.wait = wait

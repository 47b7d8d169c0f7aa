"""The refusals of the account rules, each with its French message for the candidate."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from portal.accounts import throttling, tokens
from portal.dates import paris

if TYPE_CHECKING:
    from portal.accounts.models import Account

ACTIVATION_VALIDITY = tokens.VALIDITY[tokens.ACTIVATION]


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
    """Logins paused. For one account a password reset lifts the pause, so it is suggested;
    for one source address (``by_address``) it does not, so it is not."""

    def __init__(self, wait: timedelta, *, by_address: bool = False) -> None:
        if by_address:
            message = (
                "Trop de tentatives de connexion ont échoué depuis votre connexion internet. "
                f"Réessayez dans {throttling.minutes_label(wait)}."
            )
        else:
            message = (
                "Trop de tentatives de connexion ont échoué. Réessayez dans "
                f"{throttling.minutes_label(wait)}, ou réinitialisez votre mot de passe."
            )
        super().__init__(message)
        self.wait = wait
        self.by_address = by_address


class AccountNotActive(AccountError):
    """The right password, for an account not activated yet. What to do next depends on the
    account: its first link, a newer link already sent, or links no longer valid."""

    def __init__(self, account: Account | None = None, now: datetime | None = None) -> None:
        message = (
            "Votre compte n'est pas encore activé : cliquez sur le lien contenu dans le mail "
            "reçu à la création du compte, ou demandez un nouveau lien."
        )
        if account is not None and now is not None:
            link_sent_at = account.activation_expires_at - ACTIVATION_VALIDITY
            if account.activation_expires_at <= now:
                message = (
                    "Votre compte n'est pas encore activé et son lien d'activation n'est plus "
                    "valable (48h) : demandez un nouveau lien d'activation."
                )
            elif link_sent_at > account.created_at:
                message = (
                    "Votre compte n'est pas encore activé : un nouveau lien d'activation vous a "
                    f"été envoyé le {paris(link_sent_at, 'dd/MM/yyyy à HH:mm')} (heure de Paris). "
                    "Cliquez sur le lien du mail le plus récent : les liens envoyés auparavant "
                    "ne fonctionnent plus."
                )
        super().__init__(message)


class RateLimited(AccountError):
    """Too many requests of one kind from one client address (a burst): nothing was done."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(
            "Trop de demandes ont été faites depuis votre connexion internet. "
            f"Réessayez dans {throttling.minutes_label(wait)} : rien n'a été modifié."
        )
        self.wait = wait

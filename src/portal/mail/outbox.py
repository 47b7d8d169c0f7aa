"""Write a mail to the outbox, rendered from templates/mail/<kind>.txt.j2 and <kind>.html.j2.

``enqueue`` takes the caller's write session: the mail is committed with the event that causes it
(an account created, a reset asked) or not at all. Sending happens later, in ``portal.mail.sender``.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.mail.models import OutboxMail
from portal.settings import Settings

# The subject of each kind of mail, after "[<brand>] " (guide §3: "[CYCLADES] Activer mon compte").
SUBJECTS = {
    "activation": "Activer mon compte",
    "signup_attempt": "Tentative de création de compte",
    "reset": "Réinitialiser mon mot de passe",
    "password_changed": "Votre mot de passe a été modifié",
    "email_change": "Confirmer ma nouvelle adresse mail",
    "email_change_notice": "Demande de changement d'adresse mail",
    "email_taken": "Tentative d'utilisation de votre adresse mail",
    "email_changed": "Votre adresse mail a été modifiée",
    "manager_welcome": "Votre accès à l'espace gestion",
}


@lru_cache(maxsize=8)
def _environments(templates_dir: Path) -> tuple[Environment, Environment]:
    loader = FileSystemLoader(templates_dir)
    # Plain-text mail is never HTML: nothing to escape there.
    text = Environment(
        loader=loader,
        autoescape=False,  # noqa: S701
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    html = Environment(loader=loader, autoescape=True, undefined=StrictUndefined)
    return text, html


def subject_for(kind: str, settings: Settings) -> str:
    return f"[{settings.mail_brand}] {SUBJECTS[kind]}"


def render(kind: str, settings: Settings, context: dict[str, Any]) -> tuple[str, str]:
    text_env, html_env = _environments(settings.templates_dir)
    full = {"brand": settings.mail_brand, "base_url": settings.base_url, **context}
    body_text = text_env.get_template(f"mail/{kind}.txt.j2").render(full)
    body_html = html_env.get_template(f"mail/{kind}.html.j2").render(
        subject=subject_for(kind, settings), **full
    )
    return body_text, body_html


async def enqueue(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    *,
    kind: str,
    to: str,
    account_id: int | None,
    **context: Any,
) -> OutboxMail:
    body_text, body_html = render(kind, settings, context)
    mail = OutboxMail(
        account_id=account_id,
        kind=kind,
        to_address=to,
        subject=subject_for(kind, settings),
        body_text=body_text,
        body_html=body_html,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(mail)
    await session.flush()
    return mail


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def export_mails(session: AsyncSession, account_id: int) -> dict[str, Any]:
    """The mails written to an account, for "Mes données" (subjects and dates, not bodies)."""
    mails = (
        await session.exec(
            select(OutboxMail).where(OutboxMail.account_id == account_id).order_by(OutboxMail.id)
        )
    ).all()
    return {
        "mails": [
            {
                "objet": m.subject,
                "destinataire": m.to_address,
                "cree_le": _iso(m.created_at),
                "envoye_le": _iso(m.sent_at),
                "tentatives": m.attempts,
            }
            for m in mails
        ]
    }


async def erase_mails(session: AsyncSession, account_ids: list[int]) -> None:
    await session.exec(delete(OutboxMail).where(OutboxMail.account_id.in_(account_ids)))  # type: ignore[union-attr]

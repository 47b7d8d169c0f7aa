"""The background sender: claims due outbox rows, sends them with aiosmtplib, retries with back-off.

Requests never talk to the SMTP server, so a slow or absent server never slows or fails a page.
Several workers may run this job: a row is claimed (``claimed_until``) in a write transaction
before it is sent, so it goes out once. In development without PORTAL_SMTP_HOST, mails are
printed to the console instead.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import aiosmtplib
from sqlalchemy import or_, update
from sqlmodel import select

from portal.db import Database
from portal.mail.models import OutboxMail
from portal.settings import Settings
from portal.tasks import Job

logger = logging.getLogger("portal.mail")

BATCH = 10
SMTP_TIMEOUT = 10.0  # seconds, per mail
CLAIM = timedelta(seconds=BATCH * SMTP_TIMEOUT + 60)
MAX_RETRY = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(hours=72)


def retry_delay(attempts: int, first: timedelta = timedelta(seconds=30)) -> timedelta:
    """``first`` (30 s by default, ``PORTAL_MAIL_RETRY_SECONDS``), then twice as long after each
    failure: 1 min, 2 min, 4 min ... at most 30 min between two attempts."""
    return min(first * 2 ** max(attempts - 1, 0), MAX_RETRY)


def build_message(mail: OutboxMail, settings: Settings, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(" >") or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    return message


def console_text(message: EmailMessage) -> str:
    """A mail as a person reads it: the headers that matter and the plain-text body decoded,
    so a link is whole (no quoted-printable ``=3D`` or soft line breaks) and can be clicked."""
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""  # type: ignore[union-attr]
    headers = "".join(f"{name}: {message[name]}\n" for name in ("From", "To", "Date", "Subject"))
    return f"\n----- mail (console) -----\n{headers}\n{text.rstrip()}\n-----\n"


async def _deliver(message: EmailMessage, settings: Settings) -> None:
    if not settings.smtp_host:
        # Development: the console is the mailbox (production refuses to start without SMTP).
        sys.stdout.write(console_text(message))
        sys.stdout.flush()
        return
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_user or None,
        password=settings.smtp_password or None,
        start_tls=settings.smtp_starttls,
        timeout=SMTP_TIMEOUT,
    )


async def _claim(db: Database, now: datetime) -> list[OutboxMail]:
    async with db.write() as session:
        due = (
            await session.exec(
                select(OutboxMail)
                .where(
                    OutboxMail.sent_at.is_(None),  # type: ignore[union-attr]
                    OutboxMail.abandoned_at.is_(None),  # type: ignore[union-attr]
                    OutboxMail.next_attempt_at <= now,
                    or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now),  # type: ignore[union-attr,operator]
                )
                .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
                .limit(BATCH)
            )
        ).all()
        for mail in due:
            mail.claimed_until = now + CLAIM
        return list(due)


async def deliver_pending(db: Database, settings: Settings, now: datetime) -> int:
    """Send what is due; returns how many mails went out. Idempotent and safe to run in parallel."""
    sent = 0
    for mail in await _claim(db, now):
        values: dict[str, Any]
        try:
            await _deliver(build_message(mail, settings, now), settings)
        except Exception as exc:  # any SMTP or network failure: retry later, never lose the mail
            attempts = mail.attempts + 1
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
            values = {"attempts": attempts, "claimed_until": None, "last_error": error}
            if now - mail.created_at >= GIVE_UP_AFTER:
                values["abandoned_at"] = now
                logger.error(
                    "mail %s (%s) abandoned after %s attempts", mail.id, mail.kind, attempts
                )
            else:
                first = timedelta(seconds=settings.mail_retry_seconds)
                values["next_attempt_at"] = now + retry_delay(attempts, first)
                logger.warning("mail %s (%s) not sent, will retry: %s", mail.id, mail.kind, error)
        else:
            sent += 1
            # The bodies carry single-use links: they are not kept once delivered.
            values = {
                "sent_at": now,
                "attempts": mail.attempts + 1,
                "claimed_until": None,
                "last_error": None,
                "body_text": "",
                "body_html": "",
            }
            logger.info("mail %s (%s) sent", mail.id, mail.kind)
        async with db.write() as session:
            await session.exec(update(OutboxMail).where(OutboxMail.id == mail.id).values(**values))  # type: ignore[arg-type]
    return sent


async def send_mail_job(state: Any) -> None:
    await deliver_pending(state.db, state.settings, state.clock())


SEND_MAIL = Job("send-mail", timedelta(seconds=2), send_mail_job)

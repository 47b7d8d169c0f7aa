"""The outbox and its background sender: written with the event, sent later with aiosmtplib,
retried with back-off; a slow or absent SMTP server never slows or fails a request."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.composition import JOBS
from portal.mail import sender
from portal.mail.models import OutboxMail
from portal.mail.outbox import enqueue
from tests.accounts.conftest import EMAIL, sign_up
from tests.conftest import Mailbox, free_port


async def outbox(db) -> list[OutboxMail]:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return list((await session.exec(select(OutboxMail).order_by(OutboxMail.id))).all())


async def queue_one(db, settings, now, to: str = "candidat@ac-rennes.fr") -> None:  # type: ignore[no-untyped-def]
    async with db.write() as session:
        await enqueue(
            session,
            settings,
            now,
            kind="reset",
            to=to,
            account_id=None,
            link="http://127.0.0.1:8000/mot-de-passe/reinitialiser/jeton",
        )


async def test_the_outbox_row_lives_and_dies_with_its_transaction(db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError):
        async with db.write() as session:
            await enqueue(
                session,
                settings,
                clock(),
                kind="reset",
                to="a@ac-rennes.fr",
                account_id=None,
                link="x",
            )
            raise RuntimeError("the event failed")
    assert await outbox(db) == []
    await queue_one(db, settings, clock())
    assert len(await outbox(db)) == 1


async def test_sent_through_real_smtp_once_then_bodies_are_dropped(
    db, settings, clock, mailbox: Mailbox
) -> None:  # type: ignore[no-untyped-def]
    assert "send-mail" in [job.name for job in JOBS]
    await queue_one(db, settings, clock())
    # two workers tick at once: the mail goes out once
    sent = await asyncio.gather(
        sender.deliver_pending(db, settings, clock()), sender.deliver_pending(db, settings, clock())
    )
    assert sum(sent) == 1
    [message] = await mailbox.wait_for("candidat@ac-rennes.fr")
    assert message["Subject"] == "[Portail Candidat] Réinitialiser mon mot de passe"
    assert message["From"] == settings.mail_from and message["Auto-Submitted"] == "auto-generated"
    assert "Bonjour," in Mailbox.text(message)
    html = message.get_body(preferencelist=("html",))
    assert html is not None and '<html lang="fr">' in html.get_content()
    [row] = await outbox(db)
    assert row.sent_at == clock() and row.body_text == "" and row.body_html == ""
    assert await sender.deliver_pending(db, settings, clock()) == 0


async def test_absent_server_means_retries_with_back_off_and_no_lost_mail(
    db, settings, clock, mailbox
) -> None:  # type: ignore[no-untyped-def]
    closed = dataclasses.replace(settings, smtp_port=free_port())  # nobody listens there
    await queue_one(db, settings, clock())
    started = clock()
    assert await sender.deliver_pending(db, closed, clock()) == 0
    [row] = await outbox(db)
    assert row.attempts == 1 and row.sent_at is None and row.last_error
    assert row.next_attempt_at == started + timedelta(seconds=30)
    assert await sender.deliver_pending(db, closed, clock()) == 0  # not due yet: no attempt
    assert (await outbox(db))[0].attempts == 1
    clock.advance(seconds=30)
    await sender.deliver_pending(db, closed, clock())
    [row] = await outbox(db)
    assert row.attempts == 2 and row.next_attempt_at == clock() + timedelta(minutes=1)
    # the server is back: the mail goes out at its next attempt
    clock.advance(minutes=1)
    assert await sender.deliver_pending(db, settings, clock()) == 1
    await mailbox.wait_for("candidat@ac-rennes.fr")


def test_back_off_grows_and_is_capped() -> None:
    delays = [sender.retry_delay(n) for n in range(1, 10)]
    assert delays[:4] == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert max(delays) == timedelta(minutes=30) and delays == sorted(delays)
    shorter = [sender.retry_delay(n, timedelta(seconds=5)) for n in range(1, 4)]
    assert shorter == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]


async def test_a_mail_undeliverable_for_72h_is_abandoned_and_logged(
    db, settings, clock, caplog
) -> None:  # type: ignore[no-untyped-def]
    closed = dataclasses.replace(settings, smtp_port=free_port())
    await queue_one(db, settings, clock())
    clock.advance(hours=72)
    await sender.deliver_pending(db, closed, clock())
    [row] = await outbox(db)
    assert row.abandoned_at == clock()
    assert "abandoned" in caplog.text


async def test_a_slow_or_absent_server_never_slows_a_request(
    app, client, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # A server that accepts connections and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        state_settings = dataclasses.replace(settings, smtp_port=silent.getsockname()[1])
        app.state.settings = state_settings
        await client.get("/compte/creer")
        started = time.perf_counter()
        response = await sign_up(client)
        elapsed = time.perf_counter() - started
        # Talking to this server would have held the request for the whole SMTP timeout (10 s);
        # half of it leaves room for a slow shared machine and still tells the two apart.
        assert response.status_code == 303 and elapsed < sender.SMTP_TIMEOUT / 2
        monkeypatch.setattr(sender, "SMTP_TIMEOUT", 0.5)
        assert await sender.deliver_pending(app.state.db, state_settings, app.state.clock()) == 0
        [row] = await outbox(app.state.db)
        assert row.to_address == EMAIL and row.attempts == 1 and "Timeout" in (row.last_error or "")
    finally:
        silent.close()


async def test_console_delivery_in_development(db, settings, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    console = dataclasses.replace(settings, smtp_host="")
    await queue_one(db, settings, clock())
    assert await sender.deliver_pending(db, console, clock()) == 1
    out = capsys.readouterr().out
    assert "mail (console)" in out and "Subject:" in out and "candidat@ac-rennes.fr" in out
    assert (await outbox(db))[0].sent_at is not None


async def test_console_mail_is_printed_decoded_and_its_link_activates(
    client, app, db, settings, clock, capsys
) -> None:  # type: ignore[no-untyped-def]
    """In development without SMTP, the activation mail is read on the console: its text is
    decoded (accents, no quoted-printable) and the printed link, copied whole, activates."""
    import re

    await sign_up(client)
    console = dataclasses.replace(settings, smtp_host="")
    assert await sender.deliver_pending(db, console, clock()) == 1
    out = capsys.readouterr().out
    assert "Subject: [Portail Candidat] Activer mon compte" in out
    assert "Ce lien n'est valable que pour une durée de 48h." in out
    assert "=3D" not in out and "=\n" not in out and "Content-Transfer-Encoding" not in out
    links = re.findall(r"http://\S+/compte/activer/\S+", out)
    assert links
    response = await client.get(links[0])
    assert response.status_code == 303

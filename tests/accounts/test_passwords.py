"""argon2id at OWASP's minimum or above, off the event loop, with bounded concurrency."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time

from portal.accounts import passwords
from tests.accounts.conftest import EMAIL, PASSWORD, log_in, mail_link, sign_up


def test_hash_is_argon2id_with_at_least_owasp_parameters(settings) -> None:  # type: ignore[no-untyped-def]
    stored = passwords.hash_password_sync(PASSWORD, settings)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert settings.problems() == []
    weak = dataclasses.replace(settings, password_hash_memory_kib=4096)
    assert any("OWASP" in p for p in weak.problems())


async def test_passwords_are_normalised_never_truncated(settings) -> None:  # type: ignore[no-untyped-def]
    decomposed, composed = "Ecole.e\u0301te9", "Ecole.\u00e9te9"
    stored = await passwords.hash_password(decomposed, settings)
    assert await passwords.verify_password(stored, composed, settings)
    long = "Ab." + "x" * 40
    stored = await passwords.hash_password(long, settings)
    assert not await passwords.verify_password(stored, long[:-1], settings)


async def test_hashing_runs_off_the_loop_and_is_bounded(settings) -> None:  # type: ignore[no-untyped-def]
    bounded = dataclasses.replace(settings, password_hash_concurrency=2)
    running, peak = 0, 0
    lock = threading.Lock()
    original = passwords.hash_password_sync

    def spy(password: str, s):  # type: ignore[no-untyped-def]
        nonlocal running, peak
        assert threading.current_thread() is not threading.main_thread()
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            return original(password, s)
        finally:
            with lock:
                running -= 1

    passwords.hash_password_sync = spy  # type: ignore[assignment]
    try:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        task = asyncio.create_task(ticker())
        started = time.perf_counter()
        await asyncio.gather(
            *(passwords.hash_password(f"Mot.De{n}passe", bounded) for n in range(6))
        )
        elapsed = time.perf_counter() - started
        task.cancel()
    finally:
        passwords.hash_password_sync = original  # type: ignore[assignment]
    assert peak == 2
    # The loop kept turning while hashing: hashing on the loop itself would leave the ticker one
    # turn at most. (No ratio to the elapsed time: a loaded machine stretches both unevenly.)
    assert ticks >= 4, (ticks, elapsed)


def test_measured_hash_time(settings, caplog) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(3):
        passwords.hash_password_sync(PASSWORD, settings)
    per_hash = (time.perf_counter() - started) / 3
    logging.getLogger("portal.tests").info("argon2id hash: %.1f ms", per_hash * 1000)
    assert per_hash < 1.0  # a login stays well under a second on the CI machine


async def test_security_events_are_logged_without_secrets(client, app, mailbox, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="portal.security")
    await sign_up(client)
    link = await mail_link(app, mailbox, EMAIL)
    await client.get(link)
    await log_in(client, password="Mauvais.Mot2passe")
    await log_in(client)
    await client.get("/mot-de-passe/oublie")
    await client.submit("/mot-de-passe/oublie", {"email": EMAIL})
    records = [r for r in caplog.records if r.name == "portal.security"]
    text = "\n".join(r.getMessage() for r in records)
    for event in (
        "signup (",
        "activation (",
        "login failure",
        "login success",
        "password reset asked",
    ):
        assert event in text, text
    token = link.rsplit("/", 1)[1]
    for secret in (PASSWORD, "Mauvais.Mot2passe", token, "http", EMAIL):
        assert secret not in text

"""The pause message says what lifts it: a password reset clears one account's pause, not the
pause of a source address, so only the former suggests it."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts.errors import LoginThrottled


def test_the_address_pause_does_not_suggest_a_reset() -> None:
    by_address = LoginThrottled(timedelta(minutes=30), by_address=True).message
    assert "réinitialisez" not in by_address and "depuis votre connexion internet" in by_address
    assert "30 minutes" in by_address or "30 min" in by_address
    by_account = LoginThrottled(timedelta(minutes=30)).message
    assert "réinitialisez votre mot de passe" in by_account

from __future__ import annotations

from pathlib import Path

import pytest

from portal.app import create_app
from portal.settings import ConfigurationError, Settings


def test_development_generates_and_keeps_a_secret_key(tmp_path: Path) -> None:
    first = Settings.from_env({"PORTAL_DATA_DIR": str(tmp_path)})
    second = Settings.from_env({"PORTAL_DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.database_url == f"sqlite+aiosqlite:///{tmp_path / 'portal.sqlite3'}"


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "PORTAL_ENV": "production",
            "PORTAL_DATA_DIR": str(tmp_path),
            "PORTAL_BASE_URL": "https://candidat.example.fr",
            "PORTAL_SMTP_HOST": "smtp.example.fr",
        }
    )
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(ConfigurationError, match="PORTAL_SECRET_KEY"):
        create_app(settings)


def test_production_refuses_debug_and_insecure_cookies(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "PORTAL_ENV": "production",
            "PORTAL_DATA_DIR": str(tmp_path),
            "PORTAL_SECRET_KEY": "x" * 40,
            "PORTAL_DEBUG": "1",
            "PORTAL_BASE_URL": "http://candidat.example.fr",
        }
    )
    problems = "\n".join(settings.problems())
    assert "PORTAL_DEBUG" in problems
    assert "https://" in problems
    assert "PORTAL_SMTP_HOST" in problems


def test_every_documented_variable_is_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "PORTAL_DATA_DIR": str(tmp_path),
            "PORTAL_DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1/portal",
            "PORTAL_SECRET_KEY": "k" * 40,
            "PORTAL_ENV": "production",
            "PORTAL_BASE_URL": "https://candidat.example.fr/",
            "PORTAL_SMTP_HOST": "smtp.example.fr",
            "PORTAL_SMTP_PORT": "587",
            "PORTAL_SMTP_USER": "portal",
            "PORTAL_SMTP_PASSWORD": "pw",
            "PORTAL_SMTP_STARTTLS": "true",
            "PORTAL_MAIL_FROM": "Rectorat <examens@example.fr>",
        }
    )
    assert settings.problems() == []
    assert settings.base_url == "https://candidat.example.fr"
    assert (settings.smtp_port, settings.smtp_starttls, settings.smtp_user) == (587, True, "portal")
    assert settings.cookie_secure


def test_bad_number_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="PORTAL_SMTP_PORT"):
        Settings.from_env({"PORTAL_DATA_DIR": str(tmp_path), "PORTAL_SMTP_PORT": "vingt-cinq"})


def test_the_served_address_and_when_a_base_url_does_not_lead_to_it() -> None:
    from portal.settings import base_url_mismatch, served_base_url

    assert served_base_url("127.0.0.1", 8102) == "http://127.0.0.1:8102"
    assert served_base_url("0.0.0.0", 8102) == "http://127.0.0.1:8102"  # noqa: S104
    assert served_base_url("::1", 8000) == "http://[::1]:8000"
    assert base_url_mismatch("http://127.0.0.1:8000", "127.0.0.1", 8102) is not None
    assert base_url_mismatch("http://localhost:8102", "127.0.0.1", 8102) is None
    assert base_url_mismatch("http://portail.lan:8102", "0.0.0.0", 8102) is None  # noqa: S104
    assert base_url_mismatch("http://portail.lan:8102", "127.0.0.1", 8102) is not None
    assert base_url_mismatch("https://candidat.example.fr", "127.0.0.1", 8000) is None

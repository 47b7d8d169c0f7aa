"""The `portal` command as an operator runs it: real processes on a temporary runtime folder."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def portal(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portal", *args],
        env={**os.environ, "PORTAL_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_says_what_is_wrong(tmp_path: Path) -> None:
    bad = portal(tmp_path, "check", PORTAL_ENV="production", PORTAL_BASE_URL="http://x.fr")
    assert bad.returncode == 1
    assert "PORTAL_SECRET_KEY" in bad.stdout and "https://" in bad.stdout
    good = portal(tmp_path, "check")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Configuration valide" in good.stdout


def test_db_upgrade_then_demo_load_twice(tmp_path: Path) -> None:
    assert portal(tmp_path, "db", "upgrade").returncode == 0
    first = portal(tmp_path, "demo", "load")
    assert first.returncode == 0, first.stderr
    second = portal(tmp_path, "demo", "load")
    assert second.returncode == 0, second.stderr
    db = sqlite3.connect(tmp_path / "portal.sqlite3")
    counts = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("academy", "qualification", "opening_period", "account", "announcement")
    }
    assert counts["academy"] == 34 and counts["account"] == 1
    assert counts["qualification"] >= 2 and counts["opening_period"] >= 5
    third = portal(tmp_path, "demo", "load")
    assert third.returncode == 0
    again = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in counts
    }
    assert again == counts  # idempotent: nothing duplicated


def test_serve_refuses_to_start_in_production_without_a_secret(tmp_path: Path) -> None:
    result = portal(
        tmp_path,
        "serve",
        "--port",
        "1",
        PORTAL_ENV="production",
        PORTAL_BASE_URL="https://candidat.example.fr",
        PORTAL_SMTP_HOST="127.0.0.1",
    )
    assert result.returncode == 1
    assert "PORTAL_SECRET_KEY" in result.stderr
    assert not (tmp_path / "portal.sqlite3").exists()


def test_alembic_command_line_upgrade_head(tmp_path: Path) -> None:
    database = tmp_path / "alembic.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"],
        env={**os.environ, "PORTAL_DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    tables = {r[0] for r in sqlite3.connect(database).execute("SELECT name FROM sqlite_master")}
    assert {"web_session", "account", "opening_period", "registration", "counter"} <= tables


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    result = portal(tmp_path, "serve", "--port", "1", "--workers", "2")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--workers 2 demande PostgreSQL" in result.stderr
    assert "--workers 1" in result.stderr
    assert not (tmp_path / "portal.sqlite3").exists()  # refused before touching the database

"""The `portal` command as an operator runs it: real processes on a temporary runtime folder."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]


def environment(data_dir: Path, **env: str) -> dict[str, str]:
    """This process's environment without PORTAL_* (the test says which ones it sets)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return {**inherited, "PORTAL_DATA_DIR": str(data_dir), **env}


def portal(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portal", *args],
        env=environment(data_dir, **env),
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


def test_check_reports_where_mail_links_point(tmp_path: Path) -> None:
    served = portal(tmp_path, "check", "--port", "8102")
    assert served.returncode == 0, served.stdout + served.stderr
    assert "Liens des mails : http://127.0.0.1:8102 (PORTAL_BASE_URL n'est pas défini" in (
        served.stdout
    )
    other = portal(tmp_path, "check", "--port", "8102", PORTAL_BASE_URL="http://127.0.0.1:8000")
    assert other.returncode == 0
    assert "Attention : PORTAL_BASE_URL (http://127.0.0.1:8000) ne correspond pas à l'adresse " in (
        other.stdout
    )
    assert "(http://127.0.0.1:8102)" in other.stdout
    same = portal(tmp_path, "check", "--port", "8102", PORTAL_BASE_URL="http://localhost:8102/")
    assert (
        "Attention" not in same.stdout and "Liens des mails : http://localhost:8102" in same.stdout
    )
    proxied = portal(tmp_path, "check", PORTAL_BASE_URL="https://candidat.example.fr")
    assert "Attention" not in proxied.stdout


def test_serve_on_another_port_sends_mail_links_to_that_port(tmp_path: Path) -> None:
    """`portal serve --port N` without PORTAL_BASE_URL, mails on the console: the activation
    link printed points to port N and activates the account there."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal", "serve", "--port", str(port)],
            env=environment(tmp_path / "var", PYTHONUNBUFFERED="1"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(lambda: _answers(f"{url}/healthz"), process, log_path)
            with httpx.Client(base_url=url, timeout=30) as client:
                client.get("/compte/creer")
                form = {**SIGN_UP, "_csrf_token": client.cookies["csrftoken"]}
                created = client.post("/compte/creer", data=form)
                assert created.status_code == 303, created.text
                link = _wait_for(
                    lambda: _printed_link(log_path.read_text(errors="replace")), process, log_path
                )
                assert link.startswith(f"{url}/compte/activer/")
                assert client.get(link).status_code == 303
            assert f"Liens des mails : {url}" in log_path.read_text(errors="replace")
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


SIGN_UP = {
    "civility": "M",
    "birth_name": "Talu",
    "birth_name_confirmation": "TALU",
    "usage_name": "",
    "first_names": "Jean",
    "birth_country": "100",
    "birth_date": "01/01/2002",
    "birth_date_confirmation": "01/01/2002",
    "birth_department": "062",
    "birth_city": "Beuvry",
    "email": "jean_talu@ac-rennes.fr",
    "email_confirmation": "jean_talu@ac-rennes.fr",
    "password": "Soleil.Vert62",
    "password_confirmation": "Soleil.Vert62",
}


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _printed_link(log: str) -> str | None:
    found = re.findall(r"http://\S+/compte/activer/\S+", log)
    return found[0] if found else None


def _wait_for(probe, process: subprocess.Popen[bytes], log: Path, seconds: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if result:
            return result
        if process.poll() is not None:
            raise AssertionError(log.read_text(errors="replace"))
        if time.monotonic() > deadline:
            raise AssertionError("timed out:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    result = portal(tmp_path, "serve", "--port", "1", "--workers", "2")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--workers 2 demande PostgreSQL" in result.stderr
    assert "--workers 1" in result.stderr
    assert not (tmp_path / "portal.sqlite3").exists()  # refused before touching the database

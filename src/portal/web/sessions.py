"""The signed, small, server-side session (DECISIONS.md 2).

The cookie carries only a random id signed with itsdangerous (SHA-256). The database keeps a hash
of that id with the session's data: who is logged in, flash messages, small ids. Anonymous visitors
who have nothing to keep get no row and no cookie, so an opening-day rush of readers costs no write.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from itsdangerous import BadSignature, Signer
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import Column, delete, update
from sqlmodel import Field, SQLModel, select

from portal.db import Database, UTCDateTime, database_unavailable

logger = logging.getLogger("portal.sessions")

COOKIE_NAME = "portal_session"
SCOPE_KEY = "portal_session"
TOUCH_EVERY = timedelta(seconds=60)
# In a controller's or handler's ``opt``: a public page (home, Ouverture des services …). It never
# writes the session's "last seen", so a rush of readers costs no write even when logged in.
PUBLIC_PAGE = "public_page"


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie's id, never the id
    account_id: int | None = Field(default=None, index=True)
    data: str = Field(default="{}")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


# The page when the session itself cannot be saved (the response had already been built, so the
# error page's template cannot be used here); its words are the 503 page's.
UNAVAILABLE_PAGE = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
    "<title>Service momentanément indisponible - Portail Candidat</title></head><body><main>"
    "<h1>Service momentanément indisponible</h1><p>Le service est momentanément indisponible : "
    "votre demande n'a pas été enregistrée. Réessayez dans quelques instants.</p>"
    '<p><a href="/">Revenir à la page d\'accueil</a></p></main></body></html>'
).encode()
UNAVAILABLE_RETRY_AFTER = 30


async def _send_unavailable(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(UNAVAILABLE_PAGE)).encode()),
                (b"retry-after", str(UNAVAILABLE_RETRY_AFTER).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": UNAVAILABLE_PAGE, "more_body": False})


_ROW_SQL = "SELECT account_id, data, created_at, last_seen_at FROM web_session WHERE id = ?"


class _Row(NamedTuple):
    account_id: int | None
    data: str
    created_at: datetime
    last_seen_at: datetime


def _stored_instant(value: str) -> datetime:
    """An instant as SQLAlchemy stores it in SQLite (UTC, "2026-12-07 03:42:40.123456")."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _hash(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode()).hexdigest()


class SessionState:
    """What a handler sees of the session. Changes are saved when the response starts."""

    def __init__(
        self,
        *,
        key: str | None = None,
        data: dict[str, Any] | None = None,
        account_id: int | None = None,
        created_at: datetime | None = None,
        last_seen_at: datetime | None = None,
    ) -> None:
        self.key = key  # hash of the current id, None until the session is first saved
        self.data: dict[str, Any] = data or {}
        self.account_id = account_id
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        self.raw_id: str | None = None  # set when a new id must go out in a cookie
        self.revoked: list[str] = []
        self.dirty = False
        self.touch = False  # "last seen" is over a minute old: it is written with the response

    # -- data ------------------------------------------------------------------------------
    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def __setitem__(self, name: str, value: Any) -> None:
        self.data[name] = value
        self.dirty = True

    def pop(self, name: str, default: Any = None) -> Any:
        if name in self.data:
            self.dirty = True
        return self.data.pop(name, default)

    def flash(self, message: str, kind: str = "info") -> None:
        self.data.setdefault("flashes", []).append({"kind": kind, "message": message})
        self.dirty = True

    def pop_flashes(self) -> list[dict[str, str]]:
        return self.pop("flashes", []) or []

    # -- identity --------------------------------------------------------------------------
    def login(self, account_id: int) -> None:
        """A new id at login, so an id planted before login is worth nothing after it."""
        self._rotate()
        self.account_id = account_id
        self.created_at = None
        self.dirty = True

    def logout(self) -> None:
        """The old id is revoked in the database: a copied cookie no longer works."""
        if self.key:
            self.revoked.append(self.key)
        self.key = None
        self.raw_id = None
        self.account_id = None
        self.data = {}
        self.dirty = False

    def _rotate(self) -> None:
        if self.key:
            self.revoked.append(self.key)
        self.key = None
        self.raw_id = None


class SessionMiddleware:
    """Loads the session before the handler and saves it when the response starts."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        db: Database,
        secret_key: str,
        idle: timedelta,
        absolute: timedelta,
        secure: bool,
        clock: Callable[[], datetime],
        exclude_prefixes: tuple[str, ...] = ("/static/",),
        cookie_name: str = COOKIE_NAME,
    ) -> None:
        self.app = app
        self.db = db
        self.signer = Signer(secret_key, salt="portal.session", digest_method=hashlib.sha256)
        self.idle = idle
        self.absolute = absolute
        self.secure = secure
        self.clock = clock
        self.exclude_prefixes = exclude_prefixes
        self.cookie_name = cookie_name  # "__Host-portal_session" on https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exclude_prefixes):
            await self.app(scope, receive, send)
            return
        state, had_cookie = await self._load(scope)
        scope[SCOPE_KEY] = state  # type: ignore[literal-required]

        replaced = False

        async def send_wrapper(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the response was replaced by a 503: the rest of it is dropped
            if message["type"] == "http.response.start":
                handler = scope.get("route_handler")
                if handler is not None and handler.opt.get(PUBLIC_PAGE):
                    state.touch = False
                if message["status"] >= 500:
                    # The request failed (the database unavailable, a bug): nothing of it is kept.
                    await send(message)
                    return
                try:
                    await self._save(state)
                except Exception as exc:  # PostgreSQL cut: InterfaceError, ConnectionError
                    if not database_unavailable(exc):
                        raise
                    if not (state.dirty or state.revoked):
                        # Only the "last seen" touch was lost: the page is still true.
                        logger.warning("session touch skipped: %s", getattr(exc, "orig", exc))
                        state.touch = False
                    else:
                        # A login, a logout, a flash could not be kept: say so, honestly.
                        logger.warning(
                            "session not saved, answering 503: %s", getattr(exc, "orig", exc)
                        )
                        replaced = True
                        await _send_unavailable(send)
                        return
                headers = MutableScopeHeaders.from_message(message)
                cookie = self._cookie_for(state, had_cookie)
                if cookie is not None:
                    headers.add("set-cookie", cookie.to_header(header=""))
                # A logged-in page is never stored, unless its handler said it may be kept by
                # this browser alone (private: reference lists shared by every candidate).
                private = (headers.get("cache-control") or "").startswith("private")
                if state.account_id is not None and not private:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _read_cookie(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    key, _, val = part.strip().partition("=")
                    if key == self.cookie_name and val:
                        try:
                            return self.signer.unsign(val).decode()
                        except BadSignature:
                            return None
        return None

    async def _load(self, scope: Scope) -> tuple[SessionState, bool]:
        raw_id = self._read_cookie(scope)
        if raw_id is None:
            return SessionState(), self._has_cookie(scope)
        key = _hash(raw_id)
        row = await self._row(key)
        now = self.clock()
        if row is None:
            return SessionState(), True
        if now - row.last_seen_at > self.idle or now - row.created_at > self.absolute:
            expired = SessionState()
            expired.revoked.append(key)
            return expired, True
        state = SessionState(
            key=key,
            data=json.loads(row.data),
            account_id=row.account_id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
        )
        state.touch = now - row.last_seen_at > TOUCH_EVERY
        return state, True

    async def _row(self, key: str) -> Any:
        """The session's row. This read runs on every request with a cookie: on a SQLite file by
        a plain ``sqlite3`` read on the event loop's thread (14 % of a wizard tab's CPU went to
        this one statement through the engine, issue 12); elsewhere through Core, never the ORM."""
        if self.db.reads_inline:
            found = self.db.read_inline(_ROW_SQL, (key,))
            if found is None:
                return None
            account_id, data, created_at, last_seen_at = found
            return _Row(
                account_id, data, _stored_instant(created_at), _stored_instant(last_seen_at)
            )
        table = WebSession.__table__  # type: ignore[attr-defined]
        async with self.db.engine.connect() as conn:
            return (await conn.execute(select(table).where(table.c.id == key))).first()

    def _has_cookie(self, scope: Scope) -> bool:
        prefix = f"{self.cookie_name}=".encode()
        return any(name == b"cookie" and prefix in value for name, value in scope["headers"])

    async def _save(self, state: SessionState) -> None:
        if not (state.revoked or state.dirty or state.touch):
            return
        now = self.clock()
        async with self.db.write() as session:
            if state.revoked:
                await session.exec(delete(WebSession).where(WebSession.id.in_(state.revoked)))
                state.revoked = []
            if state.dirty and state.key is None and (state.data or state.account_id):
                state.raw_id = secrets.token_urlsafe(32)
                state.key = _hash(state.raw_id)
                state.created_at = now
                session.add(
                    WebSession(
                        id=state.key,
                        account_id=state.account_id,
                        data=json.dumps(state.data),
                        created_at=now,
                        last_seen_at=now,
                    )
                )
            elif state.key is not None and (state.dirty or state.touch):
                values: dict[str, Any] = {"last_seen_at": now}
                if state.dirty:
                    values.update(data=json.dumps(state.data), account_id=state.account_id)
                await session.exec(
                    update(WebSession).where(WebSession.id == state.key).values(**values)
                )
        state.dirty = state.touch = False

    def _cookie_for(self, state: SessionState, had_cookie: bool) -> Cookie | None:
        if state.raw_id is not None:
            value = self.signer.sign(state.raw_id).decode()
            return Cookie(
                key=self.cookie_name,
                value=value,
                path="/",
                httponly=True,
                samesite="lax",
                secure=self.secure,
                max_age=int(self.absolute.total_seconds()),
            )
        if had_cookie and state.key is None:
            return Cookie(
                key=self.cookie_name,
                value="",
                path="/",
                httponly=True,
                samesite="lax",
                secure=self.secure,
                max_age=0,
            )
        return None


async def purge_expired_sessions(
    db: Database, now: datetime, idle: timedelta, absolute: timedelta
) -> int:
    async with db.write() as session:
        result = await session.exec(
            delete(WebSession).where(
                (WebSession.last_seen_at < now - idle) | (WebSession.created_at < now - absolute)
            )
        )
        return result.rowcount or 0


async def end_account_sessions(session: Any, account_id: int, keep: str | None = None) -> None:
    """End every session of an account (password change, reset), except the current one."""
    statement = delete(WebSession).where(WebSession.account_id == account_id)
    if keep:
        statement = statement.where(WebSession.id != keep)
    await session.exec(statement)


async def export_sessions(session: Any, account_id: int) -> dict[str, Any]:
    """The account's open sessions, for "Mes données" (their data and ids stay private)."""
    rows = (await session.exec(select(WebSession).where(WebSession.account_id == account_id))).all()
    return {
        "sessions_ouvertes": [
            {
                "ouverte_le": row.created_at.isoformat(),
                "derniere_activite": row.last_seen_at.isoformat(),
            }
            for row in rows
        ]
    }


async def erase_sessions(session: Any, account_ids: list[int]) -> None:
    await session.exec(delete(WebSession).where(WebSession.account_id.in_(account_ids)))  # type: ignore[union-attr]


def get_session(scope_holder: Any) -> SessionState:
    """The session of a request (or of anything with a scope)."""
    return scope_holder.scope[SCOPE_KEY]

"""The Jinja environment: static URLs with a content version, French dates, flashes."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, select_autoescape

from portal.dates import date_fr, paris
from portal.settings import Settings
from portal.web.sessions import SCOPE_KEY


@lru_cache(maxsize=256)
def _digest(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_version(static_dir: Path, name: str) -> str:
    path = static_dir / name
    return _digest(path, path.stat().st_mtime_ns)


def static_versions(static_dir: Path) -> dict[str, str]:
    """Every static file's version, computed once (production: the files do not change while the
    server runs, so a page render never touches the disk for them)."""
    return {
        path.relative_to(static_dir).as_posix(): _digest(path, path.stat().st_mtime_ns)
        for path in sorted(static_dir.rglob("*"))
        if path.is_file()
    }


def build_environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(settings.templates_dir),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=not settings.is_production,
        undefined=Undefined if settings.is_production else StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    static_dir = settings.static_dir
    # In development a changed file gets a new version on the next render (one stat a file).
    known = static_versions(static_dir) if settings.is_production else {}

    def static_url(name: str) -> str:
        version = known.get(name) or static_version(static_dir, name)
        return f"/static/{name}?v={version}"

    env.globals.update(static_url=static_url, settings=settings)
    env.filters.update(paris=paris, date_fr=date_fr)
    return env


def pop_flashes(context: dict[str, Any]) -> list[dict[str, str]]:
    """Template callable: the flash messages of this request's session, removed once shown."""
    request = context.get("request")
    state = request.scope.get(SCOPE_KEY) if request is not None else None
    return state.pop_flashes() if state is not None else []


def current_account_id(context: dict[str, Any]) -> int | None:
    request = context.get("request")
    state = request.scope.get(SCOPE_KEY) if request is not None else None
    return state.account_id if state is not None else None

"""The Jinja environment: static URLs with a content version, French dates, flashes, and what
makes a page cheap to render (bench/RESULTS.md, issue 12): the form macros in Python, the
recalled account's macros imported once without the page's context, long option lists drawn
once, route paths without parameters reversed once."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Undefined,
    pass_context,
    select_autoescape,
)
from markupsafe import Markup, escape

from portal.dates import date_fr, paris
from portal.settings import Settings
from portal.web.form_macros import FormMacros
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

    env.globals.update(
        static_url=static_url,
        settings=settings,
        forms=FormMacros(option_tags),
        recalled=MacroModule(env, RECALLED, keep=settings.is_production),
    )
    env.filters.update(paris=paris, date_fr=date_fr, label_of=label_of)
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


# -- macros without the page's context ------------------------------------------------------------
# ``forms`` is a global: the form macros in Python (portal.web.form_macros). ``recalled``, the
# account's data recalled on the wizard's Identification tab, is a template's macros as a module
# built once, instead of two imports *with context* a tab that Jinja re-ran at every render.
RECALLED = "registrations/partials/_recalled.html.j2"


class MacroModule:
    """A template's macros as a global (``forms.input(…)``). Kept once built (``keep``, in
    production); otherwise taken from Jinja at each use, so an edited template is picked up."""

    def __init__(self, env: Environment, name: str, *, keep: bool) -> None:
        self._env = env
        self._name = name
        self._keep = keep
        self._module: Any = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = self._env.get_template(self._name).module
            if self._keep:
                self._module = module
        return getattr(module, attribute)


# -- long option lists drawn once -----------------------------------------------------------------
# A select's options: ``    <option value="V"[ selected]>TEXT</option>`` a line, as the macro's
# loop wrote them. A long list (countries, nationalities: ~250 each) is drawn once and kept by
# content; a page then only inserts " selected" where its value is.
LONG_LIST = 32
_DRAWN: OrderedDict[tuple[Any, ...], tuple[Markup, dict[str, list[int]]]] = OrderedDict()
_DRAWN_MAX = 64
_SELECTED = Markup(" selected")


def _draw(options: Any) -> tuple[Markup, dict[str, list[int]]]:
    # f-strings of escaped values: Markup.format runs Python's string.Formatter, ≈ 5 times slower.
    parts: list[str] = []
    offsets: dict[str, list[int]] = {}
    length = 0
    for value, text in options:
        head = f'    <option value="{escape(value)}"'
        offsets.setdefault(str(value), []).append(length + len(head))
        line = f"{head}>{escape(text)}</option>\n"
        parts.append(line)
        length += len(line)
    return Markup("".join(parts)), offsets  # noqa: S704 (every value escaped above)


def option_tags(options: Any, selected: Any = "") -> Markup:
    """The ``<option>`` lines of a select (its placeholder apart), ``selected`` marked."""
    key: tuple[Any, ...] | None = None
    if isinstance(options, list | tuple) and len(options) >= LONG_LIST:
        try:
            key = tuple(map(tuple, options))  # C-level: ≈ 10 times a generator's speed
            drawn = _DRAWN.get(key)
        except TypeError:  # an unhashable value: drawn each time
            key, drawn = None, None
    else:
        drawn = None
    if drawn is None:
        drawn = _draw(key if key is not None else options)
        if key is not None:
            _DRAWN[key] = drawn
            if len(_DRAWN) > _DRAWN_MAX:
                _DRAWN.popitem(last=False)
    elif key is not None:
        _DRAWN.move_to_end(key)
    html, offsets = drawn
    at = offsets.get(str(selected), ())
    if not at:
        return html
    pieces: list[Markup] = []
    start = 0
    for offset in at:
        pieces += [html[start:offset], _SELECTED]
        start = offset
    pieces.append(html[start:])
    return Markup("").join(pieces)


def label_of(options: Any, value: Any) -> Any:
    """``countries | label_of(code)``: the text of the (value, text) pair whose value is
    ``value``, "" when none (a Python loop, ≈ 20 times cheaper than selectattr | map | first)."""
    return next((text for known, text in options if known == value), "")


def cached_url_for() -> Callable[..., str]:
    """The ``url_for`` of templates (one per app): a route without path parameters is reversed
    once (the menu alone asks for four at every render), the others as Litestar does."""
    known: dict[str, str] = {}

    @pass_context
    def url_for(context: Any, route_name: Any, /, **path_parameters: Any) -> str:
        reverse = context["request"].app.route_reverse
        if path_parameters or not isinstance(route_name, str):
            return reverse(route_name, **path_parameters)
        path = known.get(route_name)
        if path is None:
            path = known[route_name] = reverse(route_name)
        return path

    return url_for

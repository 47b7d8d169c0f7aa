"""Public pages kept as rendered, for visitors without an account (issue 12).

At 10:00 on an opening day, thousands of people load the home page, "Ouverture des services" and
the login page: the same HTML for each of them but for their CSRF token. A page whose controller
puts a ``page_key`` in its context (what the page depends on besides its URL: the catalog's
generation and the part of the calendar ``now`` falls in: ``Catalog.epoch``) is rendered once
per key and URL; each visitor then gets that text with their own token put back in.

Never cached: a visitor logged in (the menu, their data) or with a message waiting in their
session (a flash is shown once); a page without ``page_key``. What a page shows depends only on
the key, the path, the query and the htmx headers that choose a fragment: all are in the key.
Off in development, where a template edited on disk must show on the next request.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.utils.scope.state import ScopeState

from portal.web import trail
from portal.web.sessions import SCOPE_KEY

if TYPE_CHECKING:
    from collections.abc import Hashable

    from jinja2 import Template as JinjaTemplate

PAGE_KEY = "page_key"
# What stands for the visitor's CSRF token in a kept page (never in any page's own text).
_PLACEHOLDER = "\x00jeton-csrf\x00"
# The request headers that choose what htmx gets (portal.web.htmx.render).
_HTMX_HEADERS = ("hx-request", "hx-target", "hx-boosted", "hx-history-restore-request")


def _shared(request: Any) -> bool:
    """The request may get (and give) the page every visitor without an account gets."""
    if request is None or request.method not in ("GET", "HEAD"):
        return False
    state = request.scope.get(SCOPE_KEY)
    return state is None or (state.account_id is None and not state.get("flashes"))


class PageCache:
    """The kept pages, least recently used dropped first."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()

    def render(self, template: JinjaTemplate, context: dict[str, Any]) -> str:
        request = context.get("request")
        page_key = context.get(PAGE_KEY)
        if page_key is None or not _shared(request):
            return template.render(**context)
        token = ScopeState.from_scope(request.scope).csrf_token
        if not token or not isinstance(token, str):
            return template.render(**context)
        headers = request.headers
        key = (
            template.name,
            page_key,
            request.scope["path"],
            request.scope["query_string"],
            tuple(headers.get(name) for name in _HTMX_HEADERS),
        )
        kept = self._pages.get(key)
        if kept is None:
            html = template.render(**context)
            self._pages[key] = html.replace(token, _PLACEHOLDER)
            if len(self._pages) > self._size:
                self._pages.popitem(last=False)
            return html
        self._pages.move_to_end(key)
        return kept.replace(_PLACEHOLDER, token)

    def clear(self) -> None:
        self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


class _KeptTemplate:
    """A Jinja template whose ``render`` goes through the cache (and the browser tests' trail)."""

    def __init__(self, template: JinjaTemplate, cache: PageCache | None) -> None:
        self._template = template
        self._cache = cache

    def render(self, *args: Any, **kwargs: Any) -> str:
        if trail.ENABLED:
            trail.note(self._template.name or "", kwargs)
        if args or self._cache is None:
            return self._template.render(*args, **kwargs)
        return self._cache.render(self._template, kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)


class CachingTemplateEngine(JinjaTemplateEngine):
    """Litestar's Jinja engine whose templates render through a ``PageCache``."""

    page_cache: PageCache | None = None

    def get_template(self, template_name: str) -> Any:
        template = super().get_template(template_name)
        cache = self.page_cache
        if cache is None and not trail.ENABLED:
            return template
        return _KeptTemplate(template, cache)

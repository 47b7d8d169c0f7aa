from __future__ import annotations

from datetime import datetime

from litestar import Controller, MediaType, get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from litestar.response import Response, Template

from portal.catalog.service import current_catalog
from portal.db import Database
from portal.pages.accessibility import statement as accessibility_statement
from portal.settings import Settings
from portal.web.page_cache import PAGE_KEY
from portal.web.sessions import PUBLIC_PAGE


class PagesController(Controller):
    include_in_schema = False
    opt = {PUBLIC_PAGE: True}  # never writes the session (portal.web.sessions)

    @get("/", name="pages:home")
    async def home(self, db: NamedDependency[Database], now: NamedDependency[datetime]) -> Template:
        catalog = await current_catalog(db)
        context = {
            "announcements": catalog.announcements_at(now),
            PAGE_KEY: catalog.epoch(now),  # portal.web.page_cache
        }
        return Template(
            template_name="pages/home.html.j2", context=context, media_type=MediaType.HTML
        )

    @get("/accessibilite", name="pages:accessibility")
    async def accessibility(self, settings: NamedDependency[Settings]) -> Template:
        return Template(
            template_name="pages/accessibility.html.j2",
            context={"statement": accessibility_statement(settings.resources_dir)},
        )

    @get("/mentions-legales", name="pages:legal")
    async def legal(self) -> Template:
        return Template(template_name="pages/legal.html.j2")

    @get("/donnees-personnelles", name="pages:privacy")
    async def privacy(self) -> Template:
        return Template(template_name="pages/privacy.html.j2")

    @get("/healthz", name="pages:health", cache_control=None)
    async def health(self, db: NamedDependency[Database]) -> Response[str]:
        try:
            await db.ping()
        except Exception as exc:
            raise ServiceUnavailableException() from exc
        return Response("ok", media_type="text/plain")

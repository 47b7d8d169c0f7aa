from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import ServiceUnavailableException
from litestar.response import Response, Template

from portal.catalog.service import current_announcements
from portal.db import Database


class PagesController(Controller):
    include_in_schema = False

    @get("/", name="pages:home")
    async def home(self, request: Request) -> Template:
        db: Database = request.app.state.db
        async with db.read() as session:
            announcements = await current_announcements(session, request.app.state.clock())
        return Template(
            template_name="pages/home.html.j2", context={"announcements": announcements}
        )

    @get("/accessibilite", name="pages:accessibility")
    async def accessibility(self) -> Template:
        return Template(template_name="pages/accessibility.html.j2")

    @get("/mentions-legales", name="pages:legal")
    async def legal(self) -> Template:
        return Template(template_name="pages/legal.html.j2")

    @get("/donnees-personnelles", name="pages:privacy")
    async def privacy(self) -> Template:
        return Template(template_name="pages/privacy.html.j2")

    @get("/healthz", name="pages:health", cache_control=None)
    async def health(self, request: Request) -> Response[str]:
        db: Database = request.app.state.db
        try:
            await db.ping()
        except Exception as exc:
            raise ServiceUnavailableException() from exc
        return Response("ok", media_type="text/plain")

"""create_app(settings): the only place that wires Litestar."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import OperationalError

from portal import composition, tasks
from portal.accounts.hooks import AccountHooks
from portal.db import Database, utcnow
from portal.documents.pdf import Renderer
from portal.pages.accessibility import conformity_state
from portal.registrations.errors import DraftTooLarge
from portal.registrations.saving import OnSaved
from portal.routes import route_handlers
from portal.settings import Settings
from portal.web import (
    auth,
    dependencies,
    errors,
    front,
    security,
    sessions,
    templating,
    trail,
)
from portal.web.links import Links
from portal.web.page_cache import CachingTemplateEngine, PageCache

logger = logging.getLogger("portal")


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    run_background_tasks: bool = True,
    extra_route_handlers: list[Any] | None = None,
    jobs: tuple[tasks.Job, ...] = composition.JOBS,
    account_hooks: AccountHooks = composition.ACCOUNT_HOOKS,
    on_registration_saved: tuple[OnSaved, ...] = composition.ON_REGISTRATION_SAVED,
) -> Litestar:
    """The portal: its routes, its dependencies, and what ``portal.composition`` puts together
    (periodic jobs, what Accounts is told about the other domains)."""
    settings.check()
    dependencies.install()  # plain-function dependencies resolved without a task group
    db = Database(settings.database_url, busy_timeout_ms=settings.database_busy_timeout_ms)
    renderer = Renderer(settings.pdf_font_dir, settings.pdf_concurrency)  # its workers: PDFs
    environment = templating.build_environment(settings)
    # The footer's "Accessibilité : … conforme", from the RGAA grid as deployed (read once).
    accessibility = conformity_state(settings.resources_dir)
    environment.globals["accessibility_state"] = lambda: accessibility

    def engine_callback(engine: CachingTemplateEngine) -> None:
        # Public pages kept as rendered (portal.web.page_cache); in development a template
        # edited on disk shows on the next request instead.
        engine.page_cache = PageCache() if settings.is_production else None
        engine.register_template_callable("pop_flashes", templating.pop_flashes)
        engine.register_template_callable("current_account_id", templating.current_account_id)
        engine.engine.globals["url_for"] = templating.cached_url_for()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        runner = tasks.Runner(app.state, list(jobs)) if run_background_tasks else None
        if runner:
            runner.start()
        try:
            yield
        finally:
            if runner:
                await runner.stop()
            await db.dispose()
            renderer.close()

    def provide_db() -> Database:
        return db

    def provide_settings() -> Settings:
        return settings

    def provide_now() -> datetime:
        return clock()

    def provide_account_hooks() -> AccountHooks:
        return account_hooks

    def provide_on_saved() -> tuple[OnSaved, ...]:
        return on_registration_saved

    def provide_links(request: Request) -> Links:
        return Links(settings.base_url, request.app.route_reverse)

    app = Litestar(
        route_handlers=[
            *route_handlers(),
            *(extra_route_handlers or []),
            create_static_files_router(
                path="/static",
                directories=[settings.static_dir],
                cache_control=CacheControlHeader(max_age=31_536_000, public=True, immutable=True),
                include_in_schema=False,
            ),
        ],
        # For the periodic jobs, which run outside any request.
        state=State(
            {
                "settings": settings,
                "db": db,
                "clock": clock,
                "jobs": jobs,
                "account_hooks": account_hooks,
            }
        ),
        # What handlers ask for by name: ``db: Database``, ``settings: Settings``, ``now: datetime``
        # (the injectable clock, read once per request), ``links: Links`` (paths and mail URLs
        # from route names) and ``account_hooks: AccountHooks``.
        dependencies={
            "db": Provide(provide_db, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "now": Provide(provide_now, sync_to_thread=False),
            "links": Provide(provide_links, sync_to_thread=False),
            "account_hooks": Provide(provide_account_hooks, sync_to_thread=False),
            "on_saved": Provide(provide_on_saved, sync_to_thread=False),
            "renderer": Provide(lambda: renderer, sync_to_thread=False),
        },
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            engine=CachingTemplateEngine.from_environment(environment),
            engine_callback=engine_callback,
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name=security.cookie_name("csrftoken", https=settings.is_https),
            cookie_secure=settings.cookie_secure,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=["/static/"],  # GET /healthz is a safe method: CSRF never applies
        ),
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=256, gzip_compress_level=6
        ),
        middleware=[
            DefineMiddleware(
                sessions.SessionMiddleware,
                db=db,
                secret_key=settings.secret_key,
                idle=timedelta(minutes=settings.session_idle_minutes),
                absolute=timedelta(hours=settings.session_absolute_hours),
                secure=settings.cookie_secure,
                clock=lambda: clock(),
                cookie_name=security.cookie_name(sessions.COOKIE_NAME, https=settings.is_https),
            )
        ],
        before_send=[
            security.security_headers(https=settings.is_https),
            *([trail.before_send] if trail.ENABLED else []),
        ],
        exception_handlers={
            auth.LoginRequired: auth.login_redirect,
            HTTPException: errors.http_exception_handler,
            OperationalError: errors.database_error_handler,
            DraftTooLarge: errors.too_large,
            Exception: errors.internal_error_handler,
        },
        openapi_config=None,
        # Logging is the portal's own (portal.web.logs, configured by portal.asgi).
        logging_config=None,
        # Forms only: a larger body is refused (413) before it is read into memory.
        request_max_body_size=settings.request_max_body_bytes,
        lifespan=[lifespan],
        debug=settings.debug and not settings.is_production,
    )
    # Before routing: the request id, HEAD answered as GET, paths no route can mean sent to 404.
    app.asgi_handler = front.Front(app.asgi_handler)
    return app

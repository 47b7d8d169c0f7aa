"""What every back-office handler shares: the manager behind the session (404 for anyone
else), CSV answers, a registration found within the scope."""

from __future__ import annotations

from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException

from portal.db import Database
from portal.management import registrations as service
from portal.management.errors import OutOfScope
from portal.management.scope import Scope, load_scope
from portal.web.sessions import get_session

NO_STORE = {"Cache-Control": "no-store"}
CSV_TYPE = "text/csv"  # Litestar adds "; charset=utf-8"


async def provide_manager(request: Request, db: NamedDependency[Database]) -> Scope:
    """The manager behind the session, or 404 for anyone else (never a hint that it exists)."""
    try:
        async with db.read() as session:
            return await load_scope(session, get_session(request).account_id)
    except OutOfScope as exc:
        raise NotFoundException() from exc


def csv_answer(data: bytes, file_name: str) -> Response[bytes]:
    return Response(
        data,
        media_type=CSV_TYPE,
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{file_name}"'},
    )


async def find_in_scope(db: Database, scope: Scope, registration_id: int) -> service.Found:
    try:
        async with db.read() as session:
            return await service.find(session, scope, registration_id)
    except OutOfScope as exc:
        raise NotFoundException() from exc

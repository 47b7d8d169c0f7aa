"""Helpers: register through the wizard as the candidate would, then publish as the
registration's saving will; read PDFs and HTML twins back."""

from __future__ import annotations

import io
import re
from html import unescape

from pypdf import PdfReader
from sqlmodel import select

from portal.documents import service
from portal.documents.models import Document
from portal.registrations.models import Registration
from tests.registrations.conftest import IDENTIFICATION, location
from tests.registrations.test_wizard import fill_certification, start, submit_as_shown


async def register_certification(client, app) -> None:  # type: ignore[no-untyped-def]
    """A G02 registration (récapitulatif): CCPE1D in Versailles, with its situation tab."""
    base = await start(client, app)
    await fill_certification(client, base)
    assert location(await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"}))


async def register_bia(client, app, identification=None) -> None:  # type: ignore[no-untyped-def]
    """A G01 registration (confirmation): BIA in Versailles."""
    base = await start(client, app, qualification="BIA", academy="versailles", specialty=None)
    await client.submit(f"{base}/identification", identification or IDENTIFICATION)
    await submit_as_shown(client, base, "qualification")
    await submit_as_shown(client, base, "epreuves")
    assert location(await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"}))


async def modify_address(client, number: str, address1: str) -> None:  # type: ignore[no-untyped-def]
    modify = location(await client.submit(f"/mes-inscriptions/{number}/modifier"))
    base = modify.rsplit("/", 1)[0]
    await client.submit(f"{base}/identification", {**IDENTIFICATION, "address1": address1})
    for step in ("qualification", "situation", "epreuves"):
        if (await client.get(f"{base}/{step}")).status_code == 200:
            await submit_as_shown(client, base, step)
    assert location(await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"}))


async def registration_row(db, number: str = "001", account_id: int | None = None) -> Registration:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        statement = select(Registration).where(Registration.registration_number == number)
        if account_id is not None:
            statement = statement.where(Registration.account_id == account_id)
        return (await session.exec(statement)).one()


async def publish_current(db, now, number: str = "001", account_id: int | None = None) -> Document:  # type: ignore[no-untyped-def]
    """What the registration's saving transaction does once wired: publish its summary."""
    registration = await registration_row(db, number, account_id)
    async with db.write() as session:
        return await service.publish_summary(
            session,
            registration=registration,
            summary=registration.summary,
            now=now,
        )


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def words(text: str) -> set[str]:
    return set(re.findall(r"[^\s]+", unescape(text)))


def twin_text(html: str) -> str:
    """The visible text of an HTML twin's document part."""
    part = html.split('<div class="document-twin">', 1)[1].split("</div>", 1)[0]
    return unescape(re.sub(r"<[^>]+>", " ", part))

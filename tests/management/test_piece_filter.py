"""The registrations list's piece-status filter (issue 13 item 3), which the CSV and
publishing's selection follow, and the "Relance" (item 7): only to the registrations with
missing or non-compliant pieces, each reminded of its own, previewed and counted first, then in
the candidate's "Mes documents" with its version and date."""

from __future__ import annotations

from html import unescape
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.documents.models import Document
from portal.management import listing
from tests._support.candidates import log_in as candidate_login
from tests._support.candidates import make_account
from tests._support.registrations import save_registration
from tests.management.conftest import BIA_CLEAN, NATIONAL_MANAGER, bia_period, manager_login
from tests.management.review_helpers import (
    VERSAILLES_CANDIDATE,
    Pieces,
    add_pieces,
    audit_entries,
    deposit,
)

PARIS = ZoneInfo("Europe/Paris")


async def judge(
    client, app, registration_id: int, piece_id: int, status: str, clock, **extra
) -> None:  # type: ignore[no-untyped-def]
    url = app.route_reverse(
        "management:piece_review", registration_id=registration_id, piece_id=piece_id
    )
    day = f"{clock().astimezone(PARIS):%d/%m/%Y}"
    response = await client.submit(url, {"status": status, "received_on": day, **extra})
    assert response.status_code == 303, response.text


async def names(client, app, pieces_filter: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Who the list and the CSV show for this filter (they must agree)."""
    query = f"?pieces={pieces_filter}" if pieces_filter else ""
    page = (await client.get(app.route_reverse("management:home") + query)).text
    csv = (await client.get(app.route_reverse("management:registrations_csv") + query)).content
    text = csv.decode("utf-8-sig")
    on_page = {n for n in ("MARTIN", "LE GOFF") if f">{n} " in page}  # a row's link
    in_csv = {n for n in ("MARTIN", "LE GOFF") if f";{n};" in text}
    assert on_page == in_csv, pieces_filter
    return on_page


async def setup(client, app, world, clock) -> Pieces:  # type: ignore[no-untyped-def]
    pieces = await add_pieces(app.state.db, world, clock)
    # Versailles: the identity card deposited (to check), the postal piece missing;
    # Rennes: its one postal piece missing.
    await deposit(client, app, VERSAILLES_CANDIDATE, "001", pieces.online.id)
    await manager_login(client, NATIONAL_MANAGER)
    return pieces


async def test_the_filter_follows_each_status_in_the_list_and_the_csv(
    client, app, world, clock
) -> None:  # type: ignore[no-untyped-def]
    pieces = await setup(client, app, world, clock)
    form = unescape((await client.get(app.route_reverse("management:home"))).text)
    assert 'name="pieces"' in form and listing.PIECE_FILTERS["non-conformes"] in form
    assert await names(client, app, "") == {"MARTIN", "LE GOFF"}
    assert await names(client, app, "manquantes") == {"MARTIN", "LE GOFF"}
    assert await names(client, app, "a-examiner") == {"MARTIN"}
    assert await names(client, app, "non-conformes") == set()
    assert await names(client, app, "completes") == set()
    assert await names(client, app, "inconnu") == {"MARTIN", "LE GOFF"}  # ignored, not an error

    await judge(
        client,
        app,
        world.versailles.id,
        pieces.online.id,
        "non_compliant",
        clock,
        comment="Illisible",
    )
    await judge(client, app, world.versailles.id, pieces.postal.id, "received", clock)
    assert await names(client, app, "manquantes") == {"LE GOFF"}
    assert await names(client, app, "non-conformes") == {"MARTIN"}
    assert await names(client, app, "a-relancer") == {"MARTIN", "LE GOFF"}
    assert await names(client, app, "a-examiner") == {"MARTIN"}  # the postal piece, received

    await judge(client, app, world.versailles.id, pieces.online.id, "compliant", clock)
    await judge(client, app, world.versailles.id, pieces.postal.id, "compliant", clock)
    await judge(client, app, world.rennes.id, pieces.rennes.id, "received", clock)
    assert await names(client, app, "completes") == {"MARTIN"}
    assert await names(client, app, "a-relancer") == set()
    assert await names(client, app, "a-examiner") == {"LE GOFF"}
    # the filter's links keep it: the CSV link and the publishing link of the results
    page = unescape(
        (await client.get(app.route_reverse("management:home") + "?pieces=completes")).text
    )
    assert "inscriptions.csv?pieces=completes" in page and "publier?pieces=completes" in page


async def reminders(db, registration_id: int) -> list[Document]:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return list(
            (
                await session.exec(
                    select(Document).where(
                        Document.registration_id == registration_id,
                        Document.kind == "relance-pieces",
                    )
                )
            ).all()
        )


async def test_relance_goes_only_to_missing_or_non_compliant_pieces(
    client, app, world, clock
) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    pieces = await setup(client, app, world, clock)
    await judge(
        client,
        app,
        world.versailles.id,
        pieces.online.id,
        "non_compliant",
        clock,
        comment="Verso manquant",
    )
    await judge(client, app, world.rennes.id, pieces.rennes.id, "compliant", clock)
    url = app.route_reverse("management:publish")
    form = unescape((await client.get(app.route_reverse("management:publish_form"))).text)
    assert "Relance de pièces justificatives" in form
    assert "pour <strong>2 inscriptions</strong>" in form  # before choosing: the whole list
    preview = unescape(
        (await client.submit(url, {"kind": "relance-pieces", "action": "apercu"})).text
    )
    assert "Aperçu : Relance de pièces justificatives" in preview
    assert (
        "pour <strong>1 inscription</strong>" in preview and "Publier pour 1 inscription" in preview
    )
    assert "Pièce non conforme : Verso manquant" in preview
    assert "Extrait de casier judiciaire" in preview  # Versailles' postal piece, missing
    assert "(Rennes)" not in preview  # compliant: not reminded
    # the manager saw 1; a stale count publishes nothing
    stale = await client.submit(
        url, {"kind": "relance-pieces", "expected": "2", "action": "publier"}
    )
    assert "au lieu de 2" in unescape(stale.text)
    assert await reminders(db, world.versailles.id) == []
    done = await client.submit(
        url, {"kind": "relance-pieces", "expected": "1", "action": "publier"}
    )
    assert done.status_code == 303
    [document] = await reminders(db, world.versailles.id)
    assert document.version == 1 and await reminders(db, world.rennes.id) == []
    published = await audit_entries(db, "published")
    assert [e.registration_id for e in published] == [world.versailles.id]
    assert published[0].after == {"document": "Relance de pièces justificatives", "version": 1}
    # one registration by its page: Rennes has nothing to remind, nothing goes
    rennes = {"inscription": str(world.rennes.id), "kind": "relance-pieces"}
    nothing = unescape((await client.submit(url, {**rennes, "action": "apercu"})).text)
    assert "Aucune inscription en cours ne correspond" in nothing
    refused = await client.submit(url, {**rennes, "expected": "0", "action": "publier"})
    assert "rien n'a été publié" in unescape(refused.text)
    # the filtered selection applies too: filtered on Rennes, no relance
    only = await client.submit(
        url, {"kind": "relance-pieces", "academie": "rennes", "action": "apercu"}
    )
    assert "Aucune inscription en cours ne correspond" in unescape(only.text)

    # the candidate's side: in Mes documents with its version and date, and its content
    await client.submit(app.route_reverse("accounts:logout"))
    await candidate_login(client, VERSAILLES_CANDIDATE)
    mine = unescape(
        (await client.get(app.route_reverse("documents:registration", number="001"))).text
    )
    assert "Relance de pièces justificatives" in mine and "Version n°1" in mine
    twin = unescape(
        (
            await client.get(
                app.route_reverse("documents:show", number="001", kind="relance-pieces")
            )
        ).text
    )
    assert "nous n'avons pas reçu toutes les pièces justificatives" in twin
    assert "Pièce non conforme : Verso manquant" in twin
    assert "Extrait de casier judiciaire" in twin and "Bordereau à joindre" in twin


async def test_a_catalog_demande_follows_the_piece_filter(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await setup(client, app, world, clock)
    url = app.route_reverse("management:publish")
    values = {"kind": "demande-pieces", "source": "catalogue", "pieces": "a-examiner"}
    preview = unescape((await client.submit(url, {**values, "action": "apercu"})).text)
    assert "pour <strong>1 inscription</strong>" in preview
    assert '<input type="hidden" name="pieces" value="a-examiner">' in preview
    done = await client.submit(url, {**values, "expected": "1", "action": "publier"})
    assert done.status_code == 303
    async with db.read() as session:
        kinds = (
            await session.exec(
                select(Document.registration_id).where(Document.kind == "demande-pieces")
            )
        ).all()
    assert kinds == [world.versailles.id]


async def test_each_registration_is_judged_on_its_own_standing(
    client, app, world, clock, password_hash
) -> None:  # type: ignore[no-untyped-def]
    """Two registrations asked the same pieces: one's deposit or status never makes the
    other's pieces present (the filter's subqueries are tied to each row's registration)."""
    db = app.state.db
    pieces = await setup(client, app, world, clock)
    other = await make_account(
        db,
        clock,
        password_hash,
        "chloe.durand@example.fr",
        birth_name="DURAND",
        first_names="Chloé",
    )
    await save_registration(
        db, other, await bia_period(db, "versailles", clock), BIA_CLEAN, clock()
    )
    await judge(client, app, world.versailles.id, pieces.postal.id, "received", clock)

    async def shown(pieces_filter: str) -> set[str]:
        page = (
            await client.get(app.route_reverse("management:home") + f"?pieces={pieces_filter}")
        ).text
        return {n for n in ("MARTIN", "DURAND", "LE GOFF") if f">{n} " in page}

    assert await shown("manquantes") == {"DURAND", "LE GOFF"}  # MARTIN deposited and received
    assert await shown("a-examiner") == {"MARTIN"}
    assert await shown("a-relancer") == {"DURAND", "LE GOFF"}

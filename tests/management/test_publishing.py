"""Publishing a "Convocation" or a "Demande de pièces" to one registration or to the filtered
list: a preview and a count first, then every document in "Mes documents" with its version, an
audit entry each; a selection that changed meanwhile, bad input or another académie change
nothing."""

from __future__ import annotations

from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.documents.models import Document
from portal.management.models import AuditEntry
from tests._support.candidates import log_in
from tests._support.web import field_error
from tests.management.conftest import NATIONAL_MANAGER, VERSAILLES_MANAGER, manager_login

PARIS = ZoneInfo("Europe/Paris")


def convocation(clock, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    day = (clock() + timedelta(days=30)).astimezone(PARIS)
    return {
        "kind": "convocation",
        "paper": "010 - EPREUVE 1",
        "day": f"{day:%d/%m/%Y}",
        "time": "09:30",
        "place": "Lycée Hoche\n73 avenue de Saint-Cloud\n78000 VERSAILLES",
        **extra,
    }


async def documents_of(db, registration_id: int) -> list[Document]:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return list(
            (
                await session.exec(
                    select(Document).where(
                        Document.registration_id == registration_id,
                        Document.kind.in_(["convocation", "demande-pieces"]),  # type: ignore[attr-defined]
                    )
                )
            ).all()
        )


async def test_one_registration_preview_then_publish(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await manager_login(client, VERSAILLES_MANAGER)
    url = app.route_reverse("management:publish")
    target = {"inscription": str(world.versailles.id)}
    form = unescape(
        (
            await client.get(
                app.route_reverse("management:publish_form") + f"?inscription={world.versailles.id}"
            )
        ).text
    )
    assert "Le document sera publié pour <strong>1 inscription</strong>," in form
    missing = await client.submit(url, {**target, "kind": "convocation", "action": "apercu"})
    assert unescape(field_error(missing.text, "paper") or "") == "Indiquez l'épreuve."
    assert field_error(missing.text, "day") and field_error(missing.text, "time")
    past = await client.submit(
        url, {**target, **convocation(clock, day="01/01/2020"), "action": "apercu"}
    )
    assert unescape(field_error(past.text, "day") or "") == (
        "Cette date est déjà passée : choisissez une date à venir."
    )
    values = convocation(clock)
    preview = unescape((await client.submit(url, {**target, **values, "action": "apercu"})).text)
    assert "Aperçu : Convocation aux épreuves" in preview
    assert "<td>09:30</td>" in preview and "Lycée Hoche<br>73 avenue de Saint-Cloud" in preview
    assert "Publier pour 1 inscription" in preview
    assert await documents_of(db, world.versailles.id) == []  # a preview publishes nothing
    done = await client.submit(url, {**target, **values, "expected": "1", "action": "publier"})
    assert done.status_code == 303
    assert done.headers["location"] == app.route_reverse(
        "management:registration", registration_id=world.versailles.id
    )
    [document] = await documents_of(db, world.versailles.id)
    assert document.kind == "convocation" and document.version == 1
    assert await documents_of(db, world.rennes.id) == []
    async with db.read() as session:
        [entry] = (await session.exec(select(AuditEntry))).all()
    assert entry.action == "published" and entry.after == {
        "document": "Convocation aux épreuves",
        "version": 1,
    }
    # the candidate's side: in Mes documents, with its version and date
    await client.submit(app.route_reverse("accounts:logout"))
    await log_in(client, "alice.martin@example.fr")
    mine = unescape((await client.get("/mes-documents/001")).text)
    assert "Convocation aux épreuves" in mine and "Version n°1" in mine
    twin = unescape((await client.get("/mes-documents/001/convocation")).text)
    assert "010 - EPREUVE 1" in twin and "09:30" in twin


async def test_filtered_selection_count_and_a_changed_selection(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await manager_login(client, NATIONAL_MANAGER)
    form = unescape((await client.get(app.route_reverse("management:publish_form"))).text)
    assert "pour <strong>2 inscriptions</strong>" in form
    only = unescape(
        (await client.get(app.route_reverse("management:publish_form") + "?academie=rennes")).text
    )
    assert "pour <strong>1 inscription</strong> (" in only
    url = app.route_reverse("management:publish")
    deadline = (clock() + timedelta(days=10)).astimezone(PARIS)
    pieces = {
        "kind": "demande-pieces",
        "piece": "Copie d'une pièce d'identité",
        "mode": "online",
        "day": f"{deadline:%d/%m/%Y}",
        "time": "23h59",
    }
    preview = unescape((await client.submit(url, {**pieces, "action": "apercu"})).text)
    assert "Aperçu : Demande de pièces justificatives" in preview and "En ligne" in preview
    # the manager saw 1, the selection has 2 now: refused, nothing published
    stale = await client.submit(url, {**pieces, "expected": "1", "action": "publier"})
    assert stale.status_code == 200
    assert "La sélection compte maintenant 2 inscription(s) au lieu de 1" in unescape(stale.text)
    assert await documents_of(db, world.versailles.id) == []
    done = await client.submit(url, {**pieces, "expected": "2", "action": "publier"})
    assert done.status_code == 303
    for registration in (world.versailles, world.rennes):
        [document] = await documents_of(db, registration.id)
        assert document.kind == "demande-pieces"
    again = await client.submit(
        url, {**pieces, "academie": "rennes", "expected": "1", "action": "publier"}
    )
    assert again.status_code == 303
    assert [d.version for d in await documents_of(db, world.rennes.id)] == [1, 2]


async def test_another_academy_is_404_and_counts_nothing(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    await manager_login(client, VERSAILLES_MANAGER)
    form = app.route_reverse("management:publish_form")
    assert (await client.get(form + f"?inscription={world.rennes.id}")).status_code == 404
    url = app.route_reverse("management:publish")
    response = await client.submit(
        url,
        {
            "inscription": str(world.rennes.id),
            **convocation(clock),
            "expected": "1",
            "action": "publier",
        },
    )
    assert response.status_code == 404
    rennes = unescape((await client.get(form + "?academie=rennes")).text)
    assert "Aucune inscription en cours ne correspond" in rennes
    refused = await client.submit(
        url, {**convocation(clock), "academie": "rennes", "expected": "0", "action": "publier"}
    )
    assert "rien n'a été publié" in unescape(refused.text)
    assert await documents_of(app.state.db, world.rennes.id) == []

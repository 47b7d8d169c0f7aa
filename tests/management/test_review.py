"""Piece review (issue 13 item 5): the pieces and their files on a registration's page, each
file opened only within the manager's académies, "Reçue" / "Non conforme" (comment required) /
"Conforme" with the reception date, by plain forms and with htmx; each change audited, and the
candidate's "Mes justificatifs" shows it."""

from __future__ import annotations

from html import unescape
from zoneinfo import ZoneInfo

from tests._support.candidates import EMAIL
from tests._support.candidates import log_in as candidate_login
from tests._support.web import field_error
from tests.management.conftest import (
    NATIONAL_MANAGER,
    RENNES_MANAGER,
    VERSAILLES_MANAGER,
    manager_login,
)
from tests.management.review_helpers import (
    VERSAILLES_CANDIDATE,
    add_pieces,
    audit_entries,
    deposit,
    standing,
)
from tests.pieces.helpers import pdf_bytes

PARIS = ZoneInfo("Europe/Paris")


def today(clock) -> str:  # type: ignore[no-untyped-def]
    return f"{clock().astimezone(PARIS):%d/%m/%Y}"


async def test_the_pieces_page_lists_pieces_and_opens_files_in_scope(
    client, app, world, clock
) -> None:  # type: ignore[no-untyped-def]
    pieces = await add_pieces(app.state.db, world, clock)
    upload = await deposit(client, app, VERSAILLES_CANDIDATE, "001", pieces.online.id)
    file_url = app.route_reverse(
        "management:piece_file", registration_id=world.versailles.id, upload_id=upload.id
    )
    page_url = app.route_reverse("management:pieces", registration_id=world.versailles.id)
    # nobody but a manager of Versailles reaches the file: anonymous, then a candidate
    assert (await client.get(file_url)).status_code == 404
    assert (await client.get(page_url)).status_code == 404
    await candidate_login(client, VERSAILLES_CANDIDATE)  # even the file's own candidate, here
    assert (await client.get(file_url)).status_code == 404
    await client.submit(app.route_reverse("accounts:logout"))
    await manager_login(client, RENNES_MANAGER)
    assert (await client.get(file_url)).status_code == 404
    assert (await client.get(page_url)).status_code == 404
    await client.submit(app.route_reverse("accounts:logout"))

    await manager_login(client, VERSAILLES_MANAGER)
    registration_page = unescape(
        (
            await client.get(
                app.route_reverse("management:registration", registration_id=world.versailles.id)
            )
        ).text
    )
    assert "1 à contrôler" in registration_page and page_url in registration_page
    page = unescape((await client.get(page_url)).text)
    assert "Copie de la pièce d'identité" in page and "Extrait de casier judiciaire" in page
    assert "identite.pdf" in page and file_url in page
    assert "aucun, pièce déposée à contrôler" in page and "aucun, pièce non fournie" in page
    assert f'value="{today(clock)}"' in page  # the reception date defaults to today (Paris)
    opened = await client.get(file_url)
    assert opened.status_code == 200 and opened.content == pdf_bytes()
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["cache-control"] == "no-store"
    # a file of this registration asked through another registration's URL: 404
    other = app.route_reverse(
        "management:piece_file", registration_id=world.rennes.id, upload_id=upload.id
    )
    assert (await client.get(other)).status_code == 404
    await client.submit(app.route_reverse("accounts:logout"))
    await manager_login(client, NATIONAL_MANAGER)
    assert (await client.get(file_url)).status_code == 200


async def test_statuses_by_plain_forms_audited_and_seen_by_the_candidate(
    client, app, world, clock
) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    pieces = await add_pieces(db, world, clock)
    await deposit(client, app, VERSAILLES_CANDIDATE, "001", pieces.online.id)
    await manager_login(client, VERSAILLES_MANAGER)
    url = app.route_reverse(
        "management:piece_review", registration_id=world.versailles.id, piece_id=pieces.online.id
    )
    prefix = f"piece_{pieces.online.id}_"
    # "Non conforme" without a comment: the French message next to the field, nothing changed
    refused = await client.submit(url, {"status": "non_compliant", "received_on": today(clock)})
    assert refused.status_code == 200
    assert unescape(field_error(refused.text, prefix + "comment") or "").startswith(
        "Indiquez pourquoi la pièce n'est pas conforme"
    )
    assert "<title>Erreur : " in refused.text and 'class="error-summary"' in refused.text
    assert (await standing(db, world.versailles.id, pieces.online.id)).status is None  # type: ignore[union-attr]
    assert await audit_entries(db) == []
    future = await client.submit(url, {"status": "compliant", "received_on": "01/01/2999"})
    assert unescape(field_error(future.text, prefix + "received_on") or "") == (
        "La date de réception ne peut pas être postérieure à aujourd'hui."
    )
    wrong = await client.submit(url, {"status": "received", "received_on": "32/13/2026"})
    assert "JJ/MM/AAAA" in unescape(field_error(wrong.text, prefix + "received_on") or "")
    nothing = await client.submit(url, {"received_on": today(clock)})
    assert field_error(nothing.text, prefix + "status")
    assert await audit_entries(db) == []

    done = await client.submit(
        url,
        {
            "status": "non_compliant",
            "comment": "Le verso de la carte manque.",
            "received_on": today(clock),
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == (
        app.route_reverse("management:pieces", registration_id=world.versailles.id)
        + f"#review-piece-{pieces.online.id}"
    )
    row = await standing(db, world.versailles.id, pieces.online.id)
    assert row is not None and row.status == "non_compliant"
    assert row.manager_comment == "Le verso de la carte manque."
    assert row.received_on == clock().astimezone(PARIS).date()
    [entry] = await audit_entries(db)
    label = "Copie de la pièce d'identité"
    assert entry.action == "piece_reviewed" and entry.actor_email == VERSAILLES_MANAGER
    assert entry.registration_id == world.versailles.id and entry.academy_code == "versailles"
    assert entry.before[f"{label} : statut"] is None
    assert entry.after[f"{label} : statut"] == "Non conforme"
    assert entry.after[f"{label} : commentaire"] == "Le verso de la carte manque."
    assert entry.after[f"{label} : date de réception"] == today(clock)
    page = unescape(
        (
            await client.get(
                app.route_reverse("management:registration", registration_id=world.versailles.id)
            )
        ).text
    )
    assert "Pièce justificative contrôlée" in page and "Non conforme" in page

    # the candidate's side: "Mes justificatifs" shows the status and the comment
    await client.submit(app.route_reverse("accounts:logout"))
    await candidate_login(client, VERSAILLES_CANDIDATE)
    mine = unescape((await client.get(app.route_reverse("pieces:list"))).text)
    assert "Non conforme" in mine
    assert "Information du gestionnaire : Le verso de la carte manque." in mine
    await client.submit(app.route_reverse("accounts:logout"))

    # "Conforme": the comment goes, the audit says before and after
    await manager_login(client, VERSAILLES_MANAGER)
    assert (
        await client.submit(url, {"status": "compliant", "received_on": today(clock)})
    ).status_code == 303
    second = (await audit_entries(db))[-1]
    assert second.before[f"{label} : statut"] == "Non conforme"
    assert second.after[f"{label} : statut"] == "Conforme"
    assert second.after[f"{label} : commentaire"] is None
    await client.submit(app.route_reverse("accounts:logout"))
    await candidate_login(client, VERSAILLES_CANDIDATE)
    mine = unescape((await client.get(app.route_reverse("pieces:list"))).text)
    assert "Conforme" in mine and "Le verso de la carte manque." not in mine


async def test_a_postal_piece_marked_received_with_htmx(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    pieces = await add_pieces(db, world, clock)
    await manager_login(client, VERSAILLES_MANAGER)
    url = app.route_reverse(
        "management:piece_review", registration_id=world.versailles.id, piece_id=pieces.postal.id
    )
    day = (clock().astimezone(PARIS)).strftime("%d/%m/%Y")
    headers = {"HX-Request": "true", "HX-Target": f"review-piece-{pieces.postal.id}"}
    answer = await client.submit(url, {"status": "received", "received_on": day}, headers=headers)
    assert answer.status_code == 200
    text = unescape(answer.text)
    assert text.lstrip().startswith(f'<li class="piece" id="review-piece-{pieces.postal.id}"')
    assert "<html" not in text and "Statut enregistré : Reçue." in text
    assert f"Date de réception : {day}" in text and "data-piece-focus" in text
    row = await standing(db, world.versailles.id, pieces.postal.id)
    assert row is not None and row.status == "received"
    # a mistake with htmx: the block comes back with the message next to the field
    error = await client.submit(url, {"status": "non_compliant"}, headers=headers)
    assert error.status_code == 200 and "<html" not in error.text
    assert field_error(error.text, f"piece_{pieces.postal.id}_comment")
    assert (await standing(db, world.versailles.id, pieces.postal.id)).status == "received"  # type: ignore[union-attr]


async def test_another_academy_gets_404_on_every_review_route(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    pieces = await add_pieces(db, world, clock)
    await manager_login(client, VERSAILLES_MANAGER)
    rennes = world.rennes.id
    assert (
        await client.get(app.route_reverse("management:pieces", registration_id=rennes))
    ).status_code == 404
    review = app.route_reverse(
        "management:piece_review", registration_id=rennes, piece_id=pieces.rennes.id
    )
    assert (await client.submit(review, {"status": "compliant"})).status_code == 404
    # a Rennes piece through a Versailles registration: not one of its pieces, 404
    crossed = app.route_reverse(
        "management:piece_review", registration_id=world.versailles.id, piece_id=pieces.rennes.id
    )
    assert (await client.submit(crossed, {"status": "compliant"})).status_code == 404
    assert (await standing(db, rennes, pieces.rennes.id)) is None
    assert await audit_entries(db) == []


async def test_every_post_needs_the_csrf_token(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    pieces = await add_pieces(db, world, clock)
    await manager_login(client, VERSAILLES_MANAGER)
    review = app.route_reverse(
        "management:piece_review", registration_id=world.versailles.id, piece_id=pieces.postal.id
    )
    for url, data in (
        (review, {"status": "compliant", "received_on": today(clock)}),
        (app.route_reverse("management:scan"), {"code": "BCDEFGHJKNPRSTUV"}),
    ):
        response = await client.post(url, data=data)
        assert response.status_code == 403, url
        forged = await client.post(url, data={**data, "_csrf_token": "forged"})
        assert forged.status_code == 403, url
    assert (await standing(db, world.versailles.id, pieces.postal.id)) is None
    assert await audit_entries(db) == []


async def test_candidates_and_visitors_never_reach_the_review(
    client, app, world, clock, candidate
) -> None:  # type: ignore[no-untyped-def]
    pieces = await add_pieces(app.state.db, world, clock)
    urls = [
        app.route_reverse("management:pieces", registration_id=world.versailles.id),
        app.route_reverse("management:scan_form"),
    ]
    posts = [
        app.route_reverse(
            "management:piece_review",
            registration_id=world.versailles.id,
            piece_id=pieces.postal.id,
        ),
        app.route_reverse("management:scan"),
    ]
    for url in urls:
        assert (await client.get(url)).status_code == 404, url
    await candidate_login(client, EMAIL)
    for url in urls:
        assert (await client.get(url)).status_code == 404, url
    for url in posts:
        assert (await client.submit(url, {"status": "compliant"})).status_code == 404, url
    assert await audit_entries(app.state.db) == []


async def test_a_status_set_by_mistake_is_taken_back(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    """A postal piece marked "Reçue" that never came: "Aucun statut" takes it back, with its date
    of receipt; the journal says so and the candidate sees no status again (guide, case 1)."""
    db = app.state.db
    pieces = await add_pieces(db, world, clock)
    await manager_login(client, VERSAILLES_MANAGER)
    registration_id, piece_id = world.versailles.id, pieces.postal.id
    url = app.route_reverse(
        "management:piece_review", registration_id=registration_id, piece_id=piece_id
    )
    page_url = app.route_reverse("management:pieces", registration_id=registration_id)
    choice = 'value="aucun"'
    before = unescape((await client.get(page_url)).text)
    assert 'value="received"' in before and choice not in before  # nothing to take back yet
    marked = await client.submit(url, {"status": "received", "received_on": today(clock)})
    assert marked.status_code == 303
    offered = unescape((await client.get(page_url)).text)
    assert choice in offered and "Aucun statut" in offered

    taken_back = await client.submit(url, {"status": "aucun", "received_on": "32/13/2026"})
    assert taken_back.status_code == 303  # the date is not asked for, so never wrong
    row = await standing(db, registration_id, piece_id)
    assert row is not None and row.status is None and row.received_on is None
    assert "Statut enregistré : Aucun statut." in unescape((await client.get(page_url)).text)
    last = (await audit_entries(db))[-1]
    label = "Extrait de casier judiciaire"
    assert last.before[f"{label} : statut"] == "Reçue"
    assert last.before[f"{label} : date de réception"] == today(clock)
    assert last.after[f"{label} : statut"] is None
    assert last.after[f"{label} : date de réception"] is None
    await client.submit(app.route_reverse("accounts:logout"))
    await candidate_login(client, VERSAILLES_CANDIDATE)
    mine = unescape((await client.get(app.route_reverse("pieces:list"))).text)
    assert label in mine and "Reçue" not in mine

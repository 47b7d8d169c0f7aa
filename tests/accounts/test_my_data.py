""" "Mes données" complete (issue 17): every version of every registration with its papers, the
drafts, the documents, the sessions (dates only) and the mails (subject and date), each domain
exporting its own part through the hooks; nothing of another candidate."""

from __future__ import annotations

import json

from sqlmodel import select

from portal.catalog.models import OpeningPeriod
from portal.composition import ON_REGISTRATION_SAVED
from portal.registrations import drafts, saving, summary
from portal.registrations.models import Registration
from tests._support.registrations import save_registration
from tests.registrations.conftest import IDENTIFICATION, SITUATION, period_id


async def modify(db, account_id: int, registration: Registration, clean, now) -> Registration:  # type: ignore[no-untyped-def]
    draft = await drafts.open_modification_draft(db, account_id, registration, now)
    await drafts.write(db, draft, {"clean": clean, "raw": {}}, now)
    async with db.read() as session:
        loaded = await drafts.load(session, account_id, draft.key, now)
    assert loaded is not None
    return await saving.save(
        db,
        loaded.draft,
        period_id=loaded.wizard.period.id,
        record=loaded.wizard.record(),
        summary=summary.build(loaded.wizard),
        now=now,
        on_saved=ON_REGISTRATION_SAVED,
    )


async def test_my_data_holds_every_version_the_drafts_documents_sessions_and_mails(
    logged_in_client, candidate, db, clock
) -> None:  # type: ignore[no-untyped-def]
    pid = await period_id(db, "CCPE1D", "versailles", "ACA")
    async with db.read() as session:
        period = await session.get(OpeningPeriod, pid)
    clean = {
        "identification": IDENTIFICATION,
        "qualification": {"period": pid},
        "situation": SITUATION,
        "papers": {"optional": [], "choice": {}},
    }
    registration = await save_registration(db, candidate, period, clean, clock())
    clock.advance(minutes=5)
    second = {**clean, "identification": {**IDENTIFICATION, "address1": "Rue du soleil"}}
    registration = await modify(db, candidate, registration, second, clock())
    assert registration.version == 2
    # a draft for another period, typed but not saved
    other = await period_id(db, "BIA", "versailles")
    async with db.read() as session:
        other_period = await session.get(OpeningPeriod, other)
    draft = await drafts.open_new_draft(db, candidate, other_period, clock())
    await drafts.write(db, draft, {"clean": {}, "raw": {"address1": "Brouillon 12"}}, clock())

    response = await logged_in_client.get("/compte/mes-donnees")
    assert response.status_code == 200
    data = json.loads(response.content)
    [saved] = data["inscriptions"]
    assert saved["version"] == 2 and "idempotency_key" not in saved
    assert [v["version"] for v in saved["versions"]] == [1, 2]
    assert [v["answers"]["identification"]["address1"] for v in saved["versions"]] == [
        "Rue de la pluie",
        "Rue du soleil",
    ]
    assert all(
        "saved_at" in v and "summary" in v and "epreuves_choisies" in v for v in saved["versions"]
    )
    # every draft the portal holds: the new one, and the modification's as last written
    [kept] = [d for d in data["brouillons"] if d["registration_id"] is None]
    assert kept["opening_period_id"] == other and kept["data"]["raw"]["address1"] == "Brouillon 12"
    assert draft.key not in response.text  # the draft's address stays private
    documents = data["documents"]
    assert [d["version"] for d in documents] == [1, 2]
    assert {d["inscription"] for d in documents} == {"001"}
    assert all(set(d) >= {"type", "version", "publie_le"} for d in documents)
    [open_session] = data["sessions_ouvertes"]
    assert set(open_session) == {"ouverte_le", "derniere_activite"}
    assert all(set(m) >= {"objet", "cree_le", "envoye_le"} for m in data["mails"])
    async with db.read() as session:
        assert len((await session.exec(select(Registration))).all()) == 1

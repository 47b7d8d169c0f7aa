"""flow.submit_step and friends on a real database: what a tab's request leads to, with one
draft write at most, and how many SQL statements a tab and a save cost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from portal.registrations import flow, steps
from portal.registrations.flow import Leave, Missing, Move, Place, Show
from tests.registrations.conftest import IDENTIFICATION, SITUATION, period_id


@contextmanager
def statements(db) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Every SQL statement the database runs inside the block (BEGIN included)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


def draft_writes(seen: list[str]) -> list[str]:
    return [
        s
        for s in seen
        if s.startswith(("UPDATE registration_draft", "INSERT INTO registration_draft"))
    ]


async def begin(app, account_id: int, clock, qualification="CCPE1D", specialty="ACA") -> str:  # type: ignore[no-untyped-def]
    pid = await period_id(app.state.db, qualification, "versailles", specialty)
    outcome = await flow.start(app.state.db, account_id, pid, clock())
    assert isinstance(outcome, Move) and outcome.step is steps.IDENTIFICATION
    return outcome.key


async def submit(app, account_id, clock, key, step, form, **kw):  # type: ignore[no-untyped-def]
    return await flow.submit_step(
        app.state.db,
        account_id=account_id,
        key=key,
        segment=step.segment,
        form=form,
        now=clock(),
        **kw,
    )


async def test_a_tab_moves_on_when_valid_and_shows_errors_when_not(app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    key = await begin(app, candidate, clock)
    with statements(app.state.db) as seen:
        wrong = await submit(app, candidate, clock, key, steps.IDENTIFICATION, {"address1": ""})
    assert isinstance(wrong, Show) and wrong.step is steps.IDENTIFICATION
    assert wrong.errors["address1"] == "Saisissez votre adresse (numéro et voie)."
    assert len(draft_writes(seen)) == 1  # what was typed is kept, once
    with statements(app.state.db) as seen:
        right = await submit(app, candidate, clock, key, steps.IDENTIFICATION, IDENTIFICATION)
    assert isinstance(right, Move) and right.step is steps.QUALIFICATION
    assert len(draft_writes(seen)) == 1
    # 12 before flow.py (the web session aside); +2 for the communes of the postal code typed
    assert len(seen) <= 8, "\n".join(s[:150] for s in seen)
    back = await submit(
        app, candidate, clock, key, steps.IDENTIFICATION, IDENTIFICATION, back_to_summary=True
    )
    assert isinstance(back, Move) and back.step is steps.SUMMARY


async def test_later_tabs_and_unknown_drafts(app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    key = await begin(app, candidate, clock)
    early = await flow.show_step(app.state.db, candidate, key, steps.PAPERS.segment, clock())
    assert isinstance(early, Move) and early.step is steps.IDENTIFICATION
    for segment in (steps.NUMBER.segment, "nope", steps.PAPERS.id):  # ids are not URLs
        assert isinstance(
            await flow.show_step(app.state.db, candidate, key, segment, clock()), Missing
        )
    assert isinstance(
        await submit(app, candidate, clock, "0" * 32, steps.IDENTIFICATION, IDENTIFICATION), Missing
    )
    assert isinstance(
        await submit(app, candidate, clock, key, steps.PAPERS, {}), Missing
    )  # not reachable yet


async def test_quit_previous_search_refresh(app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    key = await begin(app, candidate, clock)
    quit_ = await submit(
        app, candidate, clock, key, steps.IDENTIFICATION, {"action": "quitter", "address1": "X"}
    )
    assert isinstance(quit_, Leave) and quit_.place is Place.list and "conservée" in quit_.flash
    kept = await flow.show_step(app.state.db, candidate, key, steps.IDENTIFICATION.segment, clock())
    assert (
        isinstance(kept, Show)
        and kept.loaded.wizard.values(steps.IDENTIFICATION)["address1"] == "X"
    )
    await submit(app, candidate, clock, key, steps.IDENTIFICATION, IDENTIFICATION)
    previous = await submit(
        app, candidate, clock, key, steps.QUALIFICATION, {"action": "precedent"}
    )
    assert isinstance(previous, Move) and previous.step is steps.IDENTIFICATION
    refresh = await submit(
        app,
        candidate,
        clock,
        key,
        steps.QUALIFICATION,
        {"action": "actualiser", "qualification": "x"},
    )
    assert (
        isinstance(refresh, Show)
        and refresh.errors == {}
        and refresh.values == {"qualification": "x"}
    )
    shown = await flow.show_step(app.state.db, candidate, key, steps.QUALIFICATION.segment, clock())
    assert isinstance(shown, Show)
    form = shown.loaded.wizard.steps.get(steps.QUALIFICATION.id).defaults(shown.loaded.wizard)
    assert isinstance(await submit(app, candidate, clock, key, steps.QUALIFICATION, form), Move)
    with statements(app.state.db) as seen:
        search = await submit(
            app,
            candidate,
            clock,
            key,
            steps.SITUATION,
            {
                "action": "rechercher",
                "work_department": "078",
                "establishment_query": "penitentiaire",
            },
        )
    assert isinstance(search, Show) and [p.uai for p in search.results] == ["0783371R"]
    assert len(draft_writes(seen)) == 1


async def test_save_leaves_for_the_number_and_a_replay_for_the_registration(
    app, candidate, clock
) -> None:  # type: ignore[no-untyped-def]
    key = await begin(app, candidate, clock)
    await submit(app, candidate, clock, key, steps.IDENTIFICATION, IDENTIFICATION)
    shown = await flow.show_step(app.state.db, candidate, key, steps.QUALIFICATION.segment, clock())
    await submit(
        app,
        candidate,
        clock,
        key,
        steps.QUALIFICATION,
        shown.loaded.wizard.values(steps.QUALIFICATION),
    )
    await submit(app, candidate, clock, key, steps.SITUATION, SITUATION)
    papers = await flow.show_step(app.state.db, candidate, key, steps.PAPERS.segment, clock())
    form = steps.PAPERS.as_form(
        {"optional": [], "choice": {p.group: p.id for p in papers.loaded.wizard.papers if p.group}}
    )
    assert isinstance(await submit(app, candidate, clock, key, steps.PAPERS, form), Move)
    early = await submit(app, candidate, clock, key, steps.PAPERS, {"action": "enregistrer"})
    assert isinstance(early, Move) and early.step is steps.SUMMARY  # only the recap saves
    with statements(app.state.db) as seen:
        saved = await submit(app, candidate, clock, key, steps.SUMMARY, {"action": "enregistrer"})
    assert isinstance(saved, Leave) and saved.place is Place.number and saved.number == "001"
    assert draft_writes(seen) == []  # the draft is consumed, not written
    # 20 before flow.py (the web session aside); +2: the communes of the address and of the
    # workplace's locality, checked again
    assert len(seen) <= 18, seen
    from portal.registrations.errors import DraftAlreadySaved

    try:
        await submit(app, candidate, clock, key, steps.SUMMARY, {"action": "enregistrer"})
    except DraftAlreadySaved as exc:
        assert exc.registration_number == "001"
    else:
        raise AssertionError("a replayed save finds the registration")

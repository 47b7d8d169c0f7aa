"""The wizard's step machinery, apart from HTTP."""

from __future__ import annotations

from portal.registrations.steps import Step, StepList, TabState, WizardState

STEPS = [
    Step("identification", "Identification", "t1"),
    Step("qualification", "Qualification présentée", "t2"),
    Step("situation", "Situation actuelle", "t3", applies=lambda s: s.asks_situation),
    Step("epreuves", "Epreuves", "t4"),
    Step("recapitulatif", "Récapitulatif", "t5", complete=lambda s: s.saved, editable=False),
    Step("numero", "N° Inscription", "t6", complete=lambda s: s.saved, editable=False),
]


def ids(steps: StepList) -> list[str]:
    return [step.id for step in steps]


def test_steps_that_do_not_apply_are_left_out_and_numbers_follow() -> None:
    with_situation = StepList(STEPS, WizardState(asks_situation=True))
    without = StepList(STEPS, WizardState(asks_situation=False))
    assert "situation" in ids(with_situation)
    assert ids(without) == [
        "identification",
        "qualification",
        "epreuves",
        "recapitulatif",
        "numero",
    ]
    assert without.number(without.get("epreuves")) == 3
    assert with_situation.number(with_situation.get("epreuves")) == 4
    assert without.get("situation") is None
    assert without.resolve("situation") is None


def test_neighbours() -> None:
    steps = StepList(STEPS, WizardState(asks_situation=False))
    qualification = steps.get("qualification")
    assert steps.previous(qualification).id == "identification"
    assert steps.next(qualification).id == "epreuves"  # situation skipped
    assert steps.previous(steps.get("identification")) is None
    assert steps.next(steps.get("numero")) is None


def test_a_later_step_sends_back_to_the_first_incomplete() -> None:
    state = WizardState(asks_situation=True, draft={"identification": {}})
    steps = StepList(STEPS, state)
    assert steps.first_incomplete().id == "qualification"
    assert steps.resolve("epreuves").id == "qualification"
    assert steps.resolve("numero").id == "qualification"
    assert steps.resolve("identification").id == "identification"  # going back is allowed
    assert steps.resolve("qualification").id == "qualification"


def test_recap_is_the_furthest_before_saving_and_number_after() -> None:
    draft = {"identification": {}, "qualification": {}, "situation": {}, "epreuves": {}}
    unsaved = StepList(STEPS, WizardState(asks_situation=True, draft=draft))
    assert unsaved.first_incomplete().id == "recapitulatif"
    assert unsaved.resolve("numero").id == "recapitulatif"
    saved = StepList(STEPS, WizardState(asks_situation=True, draft=draft, saved=True))
    assert saved.resolve("numero").id == "numero"
    assert saved.first_incomplete().id == "numero"  # all complete: the last one


def test_tab_states() -> None:
    state = WizardState(asks_situation=False, draft={"identification": {}})
    steps = StepList(STEPS, state)
    tabs = steps.tabs(steps.get("qualification"))
    assert [(t.step.id, t.number, t.state) for t in tabs] == [
        ("identification", 1, TabState.complete),
        ("qualification", 2, TabState.current),
        ("epreuves", 3, TabState.todo),
        ("recapitulatif", 4, TabState.todo),
        ("numero", 5, TabState.todo),
    ]
    assert steps.reachable(steps.get("qualification"))
    assert not steps.reachable(steps.get("epreuves"))

"""Every path of the 112 contact flow (infra/flows/emergency-112.json), enumerated from the file, with
every fault at every point, run by the local flow runner with the intake as a function: each ends with a
human (the operators' queue or the backup number), no retry cycle spins in silence or traps the caller,
and the flow is valid on every path. Flows broken on purpose must fail the same check."""

from __future__ import annotations

from typing import Any

import pytest

from local.flow.model import Flow, UnknownAction
from local.flow.paths import explore, inputs
from local.flow.source import emergency_flow
from local.flow.steps import End
from tests.flows import BACKUP_NUMBER, StandInIntake, changed, new_contact

BACKUP_ACTIONS = {"transfer-to-backup"}


def walk(flow: Flow) -> Any:
    return explore(flow, new_contact, StandInIntake())


@pytest.mark.parametrize("backup_number", [None, BACKUP_NUMBER], ids=["no-backup", "backup"])
def test_every_path_of_the_flow_ends_with_a_human(backup_number: str | None) -> None:
    flow = emergency_flow(backup_number)

    walked = walk(flow)

    assert walked.problems() == [], "\n\n".join(walked.problems()[:3])
    assert walked.endings, "no path ended"
    assert {e.end for e in walked.endings} == (
        {End.QUEUED, End.TRANSFERRED} if backup_number else {End.QUEUED}
    )
    assert walked.cycles, "the queue's retries make cycles; none found means the walk missed them"


@pytest.mark.parametrize("backup_number", [None, BACKUP_NUMBER], ids=["no-backup", "backup"])
def test_the_walk_covers_every_action_and_every_transition(backup_number: str | None) -> None:
    """Paths are enumerated from the file: every action and every transition it declares is on one,
    save the backup number's when none is configured."""
    flow = emergency_flow(backup_number)
    unreachable = set() if backup_number else BACKUP_ACTIONS

    walked = walk(flow)

    assert walked.visited == set(flow.actions) - unreachable
    declared = {(a.identifier, target) for a in flow.actions.values() for _, target in a.ways_out()}
    expected = {(a, t) for a, t in declared if not {a, t} & unreachable}
    assert walked.taken == expected


def test_the_paths_include_every_kind_of_call() -> None:
    """What the faults and the caller make of a call, each met on some path: registered or not, the
    cannot-speak key pressed or not, queued at once or after the backup number."""
    walked = walk(emergency_flow(BACKUP_NUMBER))
    queued = [e.contact.attributes for e in walked.ends(End.QUEUED) if e.contact]

    assert any("incidentId" in a and a.get("cannotSpeak") == "true" for a in queued)
    assert any("incidentId" in a and "cannotSpeak" not in a for a in queued)
    assert any("incidentId" not in a and a.get("cannotSpeak") == "true" for a in queued)
    assert any("incidentId" not in a and "cannotSpeak" not in a for a in queued)
    assert walked.ends(End.TRANSFERRED)
    # the intake was tried answering, failing and timing out; the key pressed, half, wrong, not at all
    intake = {choice for name, choices in walked.tried if name == "register-incident" for choice in choices}
    assert intake == {"ok", "error", "timeout"}
    key = {choice for name, choices in walked.tried if name == "offer-cannot-speak-key" for choice in choices}
    assert key == {"ok", "NoMatchingError", "55", "5", "0", ""}


def test_every_input_the_flow_tells_apart_is_pressed_and_some_it_does_not() -> None:
    assert inputs(("55",)) == ("55", "5", "0", "")
    assert inputs(("1", "2")) == ("1", "2", "0", "")
    assert inputs(()) == ("0", "")


# -- flows broken on purpose: the check must fail, naming the path ----------------------------------------


def test_an_error_branch_that_hangs_up_fails_the_check() -> None:
    def hang_up_when_the_intake_fails(actions: dict[str, dict[str, Any]]) -> None:
        actions["hang-up"] = {
            "Identifier": "hang-up",
            "Type": "DisconnectParticipant",
            "Parameters": {},
            "Transitions": {},
        }
        actions["register-incident"]["Transitions"]["Errors"] = [
            {"NextAction": "hang-up", "ErrorType": "NoMatchingError"}
        ]

    problems = walk(changed(hang_up_when_the_intake_fails)).problems()

    assert problems
    assert all(p.startswith("DISCONNECTED: the flow hung up") for p in problems)
    assert all(
        "register-incident[error] --error:NoMatchingError-->" in p or "register-incident[timeout]" in p
        for p in problems
    )


def test_an_action_without_a_next_action_fails_the_check() -> None:
    def forget_the_next_action(actions: dict[str, dict[str, Any]]) -> None:
        del actions["cannot-speak-noted"]["Transitions"]["NextAction"]

    problems = walk(changed(forget_the_next_action)).problems()

    assert problems
    assert all("no NextAction: Connect ends the call" in p for p in problems)
    assert all("cannot-speak-noted[ok] --next-->" in p for p in problems)


def test_a_retry_without_a_message_fails_the_check() -> None:
    """A full queue tried again at once: Connect would spin through the actions in milliseconds."""

    def retry_at_once(actions: dict[str, dict[str, Any]]) -> None:
        actions["transfer-to-operators"]["Transitions"]["Errors"] = [
            {"NextAction": "set-operators-queue", "ErrorType": "QueueAtCapacity"},
            {"NextAction": "set-operators-queue", "ErrorType": "NoMatchingError"},
        ]

    problems = walk(changed(retry_at_once)).problems()

    assert problems
    assert any(p.startswith("a cycle that says nothing to the caller") for p in problems)


def test_a_cycle_that_never_tries_the_queue_again_fails_the_check() -> None:
    """Held for ever between messages: the caller hears something, but no human ever comes."""

    def hold_for_ever(actions: dict[str, dict[str, Any]]) -> None:
        hold = actions["hold-before-retry"]["Transitions"]
        hold["NextAction"] = "no-queue-advice"
        hold["Errors"] = [{"NextAction": "no-queue-advice", "ErrorType": "NoMatchingError"}]

    problems = walk(changed(hold_for_ever)).problems()

    assert problems
    assert any("can never be left for a queue or the backup number" in p for p in problems)
    assert not any("says nothing" in p for p in problems)


def test_an_error_with_no_branch_fails_the_check() -> None:
    def only_at_capacity(actions: dict[str, dict[str, Any]]) -> None:
        actions["transfer-to-operators"]["Transitions"]["Errors"] = [
            {"NextAction": "operators-busy", "ErrorType": "QueueAtCapacity"}
        ]

    problems = walk(changed(only_at_capacity)).problems()

    assert problems
    assert any(
        p.startswith("INVALID: transfer-to-operators: NoMatchingError has no branch") for p in problems
    )


def test_an_action_the_runner_does_not_know_is_an_error_naming_it() -> None:
    def add_a_wait(actions: dict[str, dict[str, Any]]) -> None:
        actions["greet"]["Type"] = "Wait"

    with pytest.raises(UnknownAction, match="'greet' is a 'Wait'"):
        walk(changed(add_a_wait))


def test_the_unbroken_flow_passes_the_same_check() -> None:
    # the changes above break the flow; no change at all is fine (the helpers themselves break nothing)
    assert walk(changed(lambda actions: None)).problems() == []

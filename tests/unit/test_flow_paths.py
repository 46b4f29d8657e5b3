"""Every path of the 112 contact flow (infra/flows/emergency-112.json), enumerated from the file, with
every fault at every point, run by the local flow runner with the intake as a function: each ends with a
human (the operators' queue or the backup number), no retry cycle spins in silence or traps the caller,
and the flow is valid on every path. Flows broken on purpose must fail the same check."""

from __future__ import annotations

from typing import Any

import pytest

from infra.contact_flow import CONNECT_DEFAULT_QUEUE_PRIORITY, CONNECT_DEMOTED_QUEUE_PRIORITY
from local.flow.model import Flow, UnknownAction
from local.flow.paths import explore, inputs
from local.flow.source import emergency_flow
from local.flow.steps import End
from tests.flows import BACKUP_NUMBER, MAJOR_MESSAGE, StandInIntake, changed, new_contact

BACKUP_ACTIONS = {"transfer-to-backup"}
STANDINGS = ("NORMAL", "WARNED", "DEMOTED")
MAJORS = (None, MAJOR_MESSAGE)  # no major incident, or one the intake answers the message of
DEFAULT_PRIORITY, DEMOTED_PRIORITY = CONNECT_DEFAULT_QUEUE_PRIORITY, CONNECT_DEMOTED_QUEUE_PRIORITY


def walk(flow: Flow, standing: str = "NORMAL", major: str | None = None) -> Any:
    return explore(flow, new_contact, StandInIntake(standing=standing, major=major))


@pytest.mark.parametrize("major", MAJORS, ids=["no-major-incident", "major-incident"])
@pytest.mark.parametrize("standing", STANDINGS)
@pytest.mark.parametrize("backup_number", [None, BACKUP_NUMBER], ids=["no-backup", "backup"])
def test_every_path_of_the_flow_ends_with_a_human(
    backup_number: str | None, standing: str, major: str | None
) -> None:
    """Whatever the intake answers of the caller's standing and of a major incident, every path ends with
    a human."""
    flow = emergency_flow(backup_number)

    walked = walk(flow, standing, major)

    assert walked.problems() == [], "\n\n".join(walked.problems()[:3])
    assert walked.endings, "no path ended"
    assert {e.end for e in walked.endings} == (
        {End.QUEUED, End.TRANSFERRED} if backup_number else {End.QUEUED}
    )
    assert walked.cycles, "the queue's retries make cycles; none found means the walk missed them"


@pytest.mark.parametrize("backup_number", [None, BACKUP_NUMBER], ids=["no-backup", "backup"])
def test_the_walk_covers_every_action_and_every_transition(backup_number: str | None) -> None:
    """Paths are enumerated from the file: every action and every transition it declares is on one, with
    the intake answering each standing, with and without a major incident, save the backup number's when
    none is configured."""
    flow = emergency_flow(backup_number)
    unreachable = set() if backup_number else BACKUP_ACTIONS

    walks = [walk(flow, standing, major) for standing in STANDINGS for major in MAJORS]

    assert set().union(*(w.visited for w in walks)) == set(flow.actions) - unreachable
    declared = {(a.identifier, target) for a in flow.actions.values() for _, target in a.ways_out()}
    expected = {(a, t) for a, t in declared if not {a, t} & unreachable}
    assert set().union(*(w.taken for w in walks)) == expected


def heard_the_warning(ending: Any) -> bool:
    return any(move.action == "warn-caller" for move in ending.path)


@pytest.mark.parametrize(
    ("standing", "priority"),
    [("NORMAL", DEFAULT_PRIORITY), ("WARNED", DEFAULT_PRIORITY), ("DEMOTED", DEMOTED_PRIORITY)],
)
def test_each_standings_path_ends_in_the_queue(standing: str, priority: int) -> None:
    """The intake answers `standing`: every call it registered reaches the operators' queue, WARNED and
    DEMOTED after the warning, DEMOTED at the lower priority, pressed the cannot-speak key or not; a call
    it could not register goes to the queue as a NORMAL one (no answer, no standing)."""
    walked = walk(emergency_flow(BACKUP_NUMBER), standing)
    queued = [e for e in walked.ends(End.QUEUED) if e.contact]
    registered = [e for e in queued if e.contact.attributes.get("incidentId")]
    unregistered = [e for e in queued if not e.contact.attributes.get("incidentId")]

    assert walked.problems() == []
    assert registered
    assert unregistered
    for ending in registered:
        assert ending.contact.attributes["callerStanding"] == standing
        # the warning's action is on the path (one that could not play goes on to the queue all the same)
        assert heard_the_warning(ending) is (standing != "NORMAL"), ending.describe()
        assert ending.contact.queue_priority == priority, ending.describe()
    for ending in unregistered:
        assert not heard_the_warning(ending), ending.describe()
        assert ending.contact.queue_priority == DEFAULT_PRIORITY, ending.describe()
    # pressed or not, the key comes before the standing's branch: both kinds of call meet it
    assert {e.contact.attributes.get("cannotSpeak") for e in registered} == {"true", None}
    assert all(
        [m.action for m in e.path].index("offer-cannot-speak-key")
        < [m.action for m in e.path].index("caller-standing")
        for e in queued
    )


def played(ending: Any) -> list[str]:
    return [move.action for move in ending.path if move.action == "play-major-incident"]


def test_every_registered_call_hears_the_major_incident_once_then_reaches_the_queue() -> None:
    """A major incident active: each call the intake registered hears its message once, after the
    cannot-speak key and before the standing's branch and the queue, on every path (a message that could
    not play goes on all the same); a call it could not register (it failed or was late) hears none, and
    is queued."""
    walked = walk(emergency_flow(BACKUP_NUMBER), "WARNED", MAJOR_MESSAGE)
    queued = [e for e in walked.ends(End.QUEUED) if e.contact]
    kept = [e for e in queued if e.contact.attributes.get("majorIncident") == "true"]

    assert walked.problems() == []
    assert kept, "no path kept the message"
    for ending in kept:
        assert ending.contact.attributes["majorIncidentMessage"] == MAJOR_MESSAGE
        actions = [m.action for m in ending.path]
        assert played(ending) == ["play-major-incident"], ending.describe()
        assert actions.index("offer-cannot-speak-key") < actions.index("play-major-incident")
        assert actions.index("play-major-incident") < actions.index("caller-standing")
        assert actions.index("play-major-incident") < actions.index("transfer-to-operators")
    for ending in queued:
        (intake,) = [m for m in ending.path if m.action == "register-incident"]
        if intake.choices != ("ok",):  # the intake failed or was late: no answer, no message
            assert played(ending) == [], ending.describe()
    assert any(m.choices != ("ok",) for e in queued for m in e.path if m.action == "register-incident")
    # without a major incident nobody hears one
    quiet = walk(emergency_flow(BACKUP_NUMBER), "NORMAL", None)
    assert all(played(e) == [] for e in quiet.endings)


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

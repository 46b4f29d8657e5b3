"""A whole simulated 112 call (`python -m local call` without the stack): the flow with the real intake
handler over the in-memory repository, the queue afterwards, and the call's contact events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.incidents import SYSTEM_CONNECT, SYSTEM_INTAKE, IncidentService, Report
from core.major_incidents import DeclareMajorIncident
from core.models import Action, Channel, Flag, Rejection, RejectionReason
from infra.contact_flow import CONNECT_DEFAULT_QUEUE_PRIORITY, CONNECT_DEMOTED_QUEUE_PRIORITY, WARNING
from local.contact_events import DETAIL_TYPE, SOURCE
from local.flow.call import TALK_SECONDS, CallSetup, report, simulate, summary
from local.flow.model import FlowError
from local.flow.steps import End
from local.flow.world import Script
from tests.fakes import InMemoryIncidentRepository
from tests.flows import BACKUP_NUMBER, CALLER, CONTACT_ID, InProcessIntake, StandInIntake
from tests.support import Clock

START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def events_of(call: Any) -> dict[str, dict[str, Any]]:
    return {event["detail"]["eventType"]: event for event in call.events}


def at(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def test_a_call_is_registered_and_queued_with_its_incident_on_the_contact(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID), InProcessIntake(service), START)

    assert call.outcome.end is End.QUEUED
    (incident,) = repo.incidents.values()
    assert call.contact.attributes["incidentId"] == incident.id
    assert call.contact.attributes["callerKnown"] == "true"
    assert "cannotSpeak" not in call.contact.attributes
    assert incident.flags == []
    assert incident.contact_id == CONTACT_ID
    assert incident.source["attribute.backupNumber"] == "none"  # the contact as Connect sends it
    assert [e["detail"]["eventType"] for e in call.events] == ["INITIATED", "CONNECTED_TO_SYSTEM", "QUEUED"]
    assert "waits in the queue" in call.afterwards


def test_the_cannot_speak_key_flags_the_incident_for_the_operator(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    intake = InProcessIntake(service)

    call = simulate(CallSetup(CALLER, CONTACT_ID, Script(presses="55")), intake, START)

    assert call.outcome.end is End.QUEUED
    assert call.contact.attributes["cannotSpeak"] == "true"
    assert intake.invocations == 2
    (incident,) = repo.incidents.values()
    assert incident.flags == [Flag.CANNOT_SPEAK]
    flag = repo.timelines[incident.id][-1]
    assert (flag.action, flag.actor) == (Action.FLAG, SYSTEM_CONNECT)
    assert (
        "Terima kasih. Petugas akan tahu bahwa Anda tidak dapat berbicara. Mohon tetap di saluran."
        in call.outcome.said
    )


@pytest.mark.parametrize("pressed", [None, "5", "9"])
def test_a_caller_who_does_not_press_55_goes_on_to_the_queue_unflagged(
    pressed: str | None, service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID, Script(presses=pressed)), InProcessIntake(service), START)

    assert call.outcome.end is End.QUEUED
    assert [i.flags for i in repo.incidents.values()] == [[]]


def test_a_failed_intake_still_queues_the_call_and_the_key_still_registers_it(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    failing = simulate(CallSetup(CALLER, CONTACT_ID, Script(intake="error")), InProcessIntake(service), START)

    assert failing.outcome.end is End.QUEUED
    assert "incidentId" not in failing.contact.attributes
    assert repo.incidents == {}
    # the first invocation failed, the key's works: the call's incident is made and flagged
    script = Script(failing={"register-incident": "error"}, presses="55")
    pressed = simulate(CallSetup(CALLER, CONTACT_ID, script), InProcessIntake(service), START)
    assert pressed.outcome.end is End.QUEUED
    (incident,) = repo.incidents.values()
    assert incident.flags == [Flag.CANNOT_SPEAK]
    assert incident.contact_id == CONTACT_ID


def rejected_as_pranks(service: IncidentService, clock: Clock, count: int, every: timedelta) -> None:
    """`count` earlier calls from CALLER, each rejected as a prank by an operator."""
    for n in range(count):
        report = Report(
            channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller=CALLER, dedupe_key=f"CONTACT#old-{n}"
        )
        incident, _ = service.register(report)
        service.claim(incident.id, "operator1")
        service.reject(incident.id, "operator1", Rejection(reason=RejectionReason.PRANK))
        clock.advance(seconds=every.total_seconds())


@pytest.mark.parametrize(
    ("pranks", "every", "standing", "priority"),
    [
        (3, timedelta(minutes=20), "WARNED", CONNECT_DEFAULT_QUEUE_PRIORITY),
        (5, timedelta(hours=20), "DEMOTED", CONNECT_DEMOTED_QUEUE_PRIORITY),
    ],
)
@pytest.mark.parametrize("pressed", [None, "55"], ids=["no-key", "cannot-speak"])
def test_a_caller_with_recent_pranks_hears_the_warning_and_is_queued(
    pranks: int,
    every: timedelta,
    standing: str,
    priority: int,
    pressed: str | None,
    service: IncidentService,
    repo: InMemoryIncidentRepository,
    clock: Clock,
) -> None:
    """The real intake reads the number's history and answers its standing; the flow warns the caller,
    lowers a DEMOTED one's priority, and queues the call: no standing keeps a call from the operators."""
    rejected_as_pranks(service, clock, pranks, every)

    call = simulate(CallSetup(CALLER, CONTACT_ID, Script(presses=pressed)), InProcessIntake(service), START)

    assert call.outcome.end is End.QUEUED
    assert (call.contact.attributes["callerStanding"], call.contact.attributes["recentPranks"]) == (
        standing,
        str(pranks),
    )
    assert WARNING in call.outcome.said
    assert call.contact.queue_priority == priority
    actions = [step.action for step in call.outcome.steps]
    assert actions.index("offer-cannot-speak-key") < actions.index("warn-caller")  # the key first
    incident = repo.incidents[call.contact.attributes["incidentId"]]
    assert Flag[standing] in incident.flags
    assert (Flag.CANNOT_SPEAK in incident.flags) is (pressed == "55")


def test_a_caller_without_pranks_hears_no_warning(service: IncidentService, clock: Clock) -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID), InProcessIntake(service), START)

    assert call.outcome.end is End.QUEUED
    assert call.contact.attributes["callerStanding"] == "NORMAL"
    assert WARNING not in call.outcome.said
    assert call.contact.queue_priority == CONNECT_DEFAULT_QUEUE_PRIORITY


def test_a_timed_out_intake_registers_late_and_the_call_is_queued_without_its_id(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID, Script(intake="timeout")), InProcessIntake(service), START)

    assert call.outcome.end is End.QUEUED
    assert "incidentId" not in call.contact.attributes
    assert len(repo.incidents) == 1  # the operator opening the call by its contact finds this one


def test_an_abandoned_call_is_queued_then_disconnected_with_no_agent() -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID, abandon_after=45), StandInIntake(), START)

    events = events_of(call)
    assert list(events) == ["INITIATED", "CONNECTED_TO_SYSTEM", "QUEUED", "DISCONNECTED"]
    gone = events["DISCONNECTED"]["detail"]
    queued = at(gone["queueInfo"]["enqueueTimestamp"])
    assert at(gone["disconnectTimestamp"]) - queued == timedelta(seconds=45)
    assert "agentInfo" not in gone
    assert "unanswered" in call.afterwards


def test_an_answered_call_has_its_agent_and_ends_after_the_conversation() -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID, answer_after=12, silent=True), StandInIntake(), START)

    events = events_of(call)
    assert list(events) == [
        "INITIATED",
        "CONNECTED_TO_SYSTEM",
        "QUEUED",
        "CONNECTED_TO_AGENT",
        "DISCONNECTED",
    ]
    detail = events["DISCONNECTED"]["detail"]
    answered = at(detail["agentInfo"]["connectedToAgentTimestamp"])
    assert answered - at(detail["queueInfo"]["enqueueTimestamp"]) == timedelta(seconds=12)
    assert at(detail["disconnectTimestamp"]) - answered == timedelta(seconds=TALK_SECONDS)
    assert detail["agentInfo"]["agentArn"].startswith(call.contact.instance_arn + "/agent/")
    assert "an open line" in call.afterwards


def test_contact_events_are_eventbridges_envelope_in_the_simulated_time() -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID, answer_after=5), StandInIntake(), START)

    times = []
    for event in call.events:
        assert event["version"] == "0"
        assert (event["detail-type"], event["source"]) == (DETAIL_TYPE, SOURCE)
        assert event["resources"] == [
            f"{call.contact.instance_arn}/contact/{CONTACT_ID}",
            call.contact.instance_arn,
        ]
        detail = event["detail"]
        assert (detail["contactId"], detail["initialContactId"], detail["channel"]) == (
            CONTACT_ID,
            CONTACT_ID,
            "VOICE",
        )
        assert at(detail["initiationTimestamp"]) == START
        times.append(datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC))
    assert times == sorted(times)
    assert len({event["id"] for event in call.events}) == len(call.events)
    queued = events_of(call)["QUEUED"]["detail"]
    # queued after the greeting, the registration and the key's wait, on the simulated clock
    assert timedelta(seconds=10) < at(queued["queueInfo"]["enqueueTimestamp"]) - START < timedelta(seconds=30)


def test_a_call_the_backup_number_takes_is_never_queued() -> None:
    call = simulate(
        CallSetup(CALLER, CONTACT_ID, Script(queue_full=None), backup_number=BACKUP_NUMBER),
        StandInIntake(),
        START,
    )

    assert (call.outcome.end, call.outcome.reached) == (End.TRANSFERRED, BACKUP_NUMBER)
    assert [e["detail"]["eventType"] for e in call.events] == [
        "INITIATED",
        "CONNECTED_TO_SYSTEM",
        "DISCONNECTED",
    ]


def test_a_caller_held_while_the_queue_stays_full_is_still_on_the_line() -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID, Script(queue_full=None)), StandInIntake(), START)

    assert call.outcome.end is End.STILL_HELD
    assert [e["detail"]["eventType"] for e in call.events] == ["INITIATED", "CONNECTED_TO_SYSTEM"]
    said = set(call.outcome.said)
    assert any(s.startswith("Semua petugas masih sibuk.") for s in said)
    assert "Mohon tetap di saluran. [pause 5s]" in said


def test_naming_an_action_the_flow_does_not_have_is_an_error() -> None:
    with pytest.raises(FlowError, match="no action nowhere"):
        simulate(
            CallSetup(CALLER, script=Script(failing={"nowhere": "NoMatchingError"})), StandInIntake(), START
        )


def test_the_report_says_what_the_caller_hears_and_where_the_call_ends() -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID, Script(presses="55")), StandInIntake(), START)

    text = report(call)

    assert text.startswith(f"112 call from {CALLER} (contact {CONTACT_ID})")
    assert "caller hears: “Jika Anda tidak dapat berbicara, tekan lima lima.”" in text
    assert "cannotSpeak=true" in text
    assert "QUEUED at +" in text
    assert "not delivered, this stack has no contact-events queue" in text
    data = summary(call)
    assert data["end"] == "QUEUED"
    assert data["attributes"]["cannotSpeak"] == "true"
    assert data["events"] == ["INITIATED", "CONNECTED_TO_SYSTEM", "QUEUED"]
    assert data["eventsSentTo"] is None
    assert [s["action"] for s in data["steps"]][-1] == "transfer-to-operators"


def test_a_major_incident_is_played_to_the_caller_before_the_queue_then_no_more_once_ended(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    """The real intake over the in-memory table: a supervisor's major incident active, the runner plays its
    message (after the cannot-speak key, before the queue) and the call is queued; ended, nobody hears it."""
    parent, _ = service.register(Report(channel=Channel.WEB, actor="system:web", text="Pasar terbakar"))
    service.claim(parent.id, "operator1")
    message = "Kami sudah menerima laporan kebakaran di Pasar Genteng. Petugas sedang menuju lokasi."
    request = DeclareMajorIncident.model_validate(
        {"parentId": parent.id, "area": {"district": "Genteng"}, "message": message}
    )
    declared = service.major.declare("supervisor", request)

    call = simulate(CallSetup(CALLER, CONTACT_ID), InProcessIntake(service), START)

    assert call.outcome.end is End.QUEUED
    steps = [step.action for step in call.outcome.steps]
    (played,) = [step for step in call.outcome.steps if step.action == "play-major-incident"]
    assert played.said == message
    assert steps.index("offer-cannot-speak-key") < steps.index("play-major-incident")
    assert steps.index("play-major-incident") < steps.index("transfer-to-operators")
    assert call.contact.attributes["majorIncidentMessage"] == message

    service.major.end("supervisor", declared.id, "Api sudah padam")
    after = simulate(
        CallSetup(CALLER, "0b1c2d3e-0000-4000-8000-000000000002"), InProcessIntake(service), START
    )
    assert after.outcome.end is End.QUEUED
    assert "play-major-incident" not in [step.action for step in after.outcome.steps]
    assert message not in after.outcome.said

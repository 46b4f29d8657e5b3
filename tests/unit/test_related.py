"""One emergency, many reports: suggestions of the same emergency, attach and detach (one transaction over
both incidents), and notes (core/related.py, core/lifecycle.py, verify/routes/related.py)."""

from __future__ import annotations

from typing import Any

import pytest

from core import lifecycle
from core.errors import ConcurrentModification, IllegalTransition, InvalidRequest, NotAssignee
from core.incidents import IncidentService, Report
from core.models import (
    Action,
    AmlFix,
    AmlTransport,
    Category,
    Channel,
    Location,
    Rejection,
    RejectionReason,
    Status,
)
from core.related import NEAR_M, MatchReason, distance_m
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock, FakeLambdaContext, apigw_event, response_json
from verify.api import lambda_handler

PASAR_GENTENG = (-8.3695, 114.1530)  # about where the market is
GENTENG_500M_EAST = (-8.3695, 114.1575)  # ~495 m east
ROGOJAMPI = (-8.3070, 114.2880)  # another kecamatan, ~16 km away


def report(
    service: IncidentService,
    clock: Clock,
    *,
    point: tuple[float, float] | None = None,
    district: str | None = None,
    caller: str | None = None,
    channel: Channel = Channel.WEB,
    text: str = "Ada kebakaran",
) -> str:
    location = None
    if point or district:
        lat, lon = point or (None, None)
        location = Location(lat=lat, lon=lon, district=district)
    incident, _ = service.register(
        Report(channel=channel, actor="system:web", caller=caller, text=text, location=location)
    )
    clock.advance(minutes=1)
    return incident.id


def claimed(service: IncidentService, incident_id: str, operator: str = "operator1") -> str:
    service.claim(incident_id, operator)
    return incident_id


# -- suggestions ---------------------------------------------------------------------------------------


def test_distance_is_in_metres() -> None:
    assert 480 < distance_m(PASAR_GENTENG, GENTENG_500M_EAST) < 510
    assert distance_m(PASAR_GENTENG, ROGOJAMPI) > 10_000


def test_suggestions_are_the_near_the_same_kecamatan_and_the_same_caller_best_first(
    service: IncidentService, clock: Clock
) -> None:
    near = report(service, clock, point=GENTENG_500M_EAST)
    same_district = report(service, clock, district="Genteng")
    same_caller = report(service, clock, point=ROGOJAMPI, caller="+6281234567890")
    unrelated = report(service, clock, point=ROGOJAMPI)
    subject = report(service, clock, point=PASAR_GENTENG, district="Genteng", caller="+6281234567890")

    related = service.related.suggest(subject).items

    assert [r.incident.id for r in related] == [near, same_caller, same_district]
    assert unrelated not in {r.incident.id for r in related}
    by_id = {r.incident.id: r for r in related}
    assert by_id[near].reasons == [MatchReason.NEAR]
    assert 480 < (by_id[near].distance_m or 0) < 510
    assert by_id[near].minutes_apart == 4
    assert by_id[same_district].reasons == [MatchReason.SAME_DISTRICT]
    assert by_id[same_district].distance_m is None
    assert by_id[same_caller].reasons == [MatchReason.SAME_CALLER]
    assert (by_id[same_caller].distance_m or 0) > NEAR_M


def test_a_handset_position_counts_as_a_point(service: IncidentService, repo: InMemoryIncidentRepository,
                                             clock: Clock) -> None:  # fmt: skip
    call = report(service, clock, channel=Channel.VOICE, caller="+6281111111111")
    fix = AmlFix(lat=GENTENG_500M_EAST[0], lon=GENTENG_500M_EAST[1], received_at=clock(),
                 transport=AmlTransport.SMS)  # fmt: skip
    repo.incidents[call] = repo.incidents[call].model_copy(update={"aml": fix})
    subject = report(service, clock, point=PASAR_GENTENG)

    (only,) = service.related.suggest(subject).items
    assert only.incident.id == call
    assert only.reasons == [MatchReason.NEAR]


def test_only_open_incidents_of_the_last_hour_and_not_another_known_category(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    old = report(service, clock, point=PASAR_GENTENG)
    clock.advance(minutes=61)
    rejected = claimed(service, report(service, clock, point=PASAR_GENTENG))
    service.reject(rejected, "operator1", Rejection(reason=RejectionReason.PRANK))
    medical = report(service, clock, point=PASAR_GENTENG)
    repo.incidents[medical] = repo.incidents[medical].model_copy(update={"category": Category.MEDICAL})
    fire = report(service, clock, point=PASAR_GENTENG)
    repo.incidents[fire] = repo.incidents[fire].model_copy(update={"category": Category.FIRE})
    subject = report(service, clock, point=PASAR_GENTENG)
    repo.incidents[subject] = repo.incidents[subject].model_copy(update={"category": Category.FIRE})

    related = service.related.suggest(subject).items

    assert [r.incident.id for r in related] == [fire]
    assert related[0].reasons == [MatchReason.NEAR, MatchReason.SAME_CATEGORY]
    assert old not in {r.incident.id for r in related}


def test_suggestions_read_the_status_index_once_per_open_status(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    subject = report(service, clock, point=PASAR_GENTENG)
    repo.calls.clear()
    service.related.suggest(subject)
    # and the active major incidents' item (their parents come first: test_major_incidents.py)
    assert repo.calls == {"get": 1, "recent_by_status": len(lifecycle.OPEN), "major_incidents": 1}
    assert Status.ATTACHED not in lifecycle.OPEN
    assert Status.REJECTED not in lifecycle.OPEN


# -- attach and detach ---------------------------------------------------------------------------------


def test_three_calls_attached_become_one_incident_with_three_reports(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    parent = report(service, clock, point=PASAR_GENTENG, caller="+6281200000001")
    children = [
        claimed(service, report(service, clock, point=PASAR_GENTENG, caller=f"+62812000000{n:02d}",
                                text=f"Pasar terbakar {n}"))
        for n in range(2, 5)
    ]  # fmt: skip

    for child in children:
        result = service.related.attach(child, parent, "operator1")
        assert result.incident.status is Status.ATTACHED
        assert result.incident.parent_id == parent

    grown = repo.incidents[parent]
    assert [r.incident_id for r in grown.reports] == children
    assert [r.caller for r in grown.reports] == ["+6281200000002", "+6281200000003", "+6281200000004"]
    assert grown.reports[0].text == "Pasar terbakar 2"
    assert grown.reports[0].channel is Channel.WEB
    assert grown.reports[0].location is not None
    assert grown.reports[0].location.lat == PASAR_GENTENG[0]
    assert grown.status is Status.RECEIVED  # the parent's stage is its own
    parent_actions = [e.action for e in repo.timelines[parent]]
    assert parent_actions == [Action.REGISTER, *[Action.REPORT_ADDED] * 3]
    child_entry = repo.timelines[children[0]][-1]
    assert (child_entry.action, child_entry.to_status) == (Action.ATTACH, Status.ATTACHED)
    assert child_entry.details["parentId"] == parent
    assert repo.calls["commit_together"] == 3  # each attach one transaction over both incidents


def test_attached_is_terminal_and_no_rejection(service: IncidentService, clock: Clock) -> None:
    parent = report(service, clock, point=PASAR_GENTENG)
    child = claimed(service, report(service, clock, point=PASAR_GENTENG))
    attached = service.related.attach(child, parent, "operator1").incident
    assert Status.ATTACHED in lifecycle.TERMINAL
    assert attached.rejection is None
    assert attached.rejected_at is None
    with pytest.raises(IllegalTransition):
        service.note(child, "operator1", "nothing more on an attached incident")
    with pytest.raises(IllegalTransition):
        service.claim(child, "operator2")


def test_attach_again_after_a_lost_answer_answers_the_same(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    parent = report(service, clock, point=PASAR_GENTENG)
    child = claimed(service, report(service, clock, point=PASAR_GENTENG))
    first = service.related.attach(child, parent, "operator1")
    again = service.related.attach(child, parent, "operator1")
    assert again == first
    assert len(repo.incidents[parent].reports) == 1


def test_attach_refuses_what_cannot_be_one_emergency(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    parent = report(service, clock, point=PASAR_GENTENG)
    child = claimed(service, report(service, clock, point=PASAR_GENTENG))
    with pytest.raises(InvalidRequest, match="itself"):
        service.related.attach(child, child, "operator1")
    with pytest.raises(NotAssignee):
        service.related.attach(child, parent, "operator2")
    with pytest.raises(InvalidRequest, match="no incident"):
        service.related.attach(child, "01KB0Z1A2B3C4D5E6F7G8H9J0K", "operator1")
    closed = claimed(service, report(service, clock, point=PASAR_GENTENG))
    service.reject(closed, "operator1", Rejection(reason=RejectionReason.PRANK))
    with pytest.raises(IllegalTransition, match="attach to"):
        service.related.attach(child, closed, "operator1")
    # a parent with reports of its own is attached the other way round
    other = claimed(service, report(service, clock, point=PASAR_GENTENG))
    service.related.attach(other, parent, "operator1")
    with pytest.raises(InvalidRequest, match="reports of its own"):
        service.related.attach(parent, child, "operator1")
    assert repo.incidents[child].status is Status.IN_REVIEW


def test_a_lost_race_changes_neither_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    parent = report(service, clock, point=PASAR_GENTENG)
    child = claimed(service, report(service, clock, point=PASAR_GENTENG))
    stale_parent = repo.incidents[parent]
    service.claim(parent, "operator2")  # the parent moves on meanwhile
    changes = lifecycle.attach(repo.incidents[child], stale_parent, "operator1", clock())
    with pytest.raises(ConcurrentModification):
        repo.commit_together(changes)
    assert repo.incidents[child].status is Status.IN_REVIEW
    assert repo.incidents[parent].reports == []
    assert [e.action for e in repo.timelines[child]] == [Action.REGISTER, Action.CLAIM]


def test_reports_beyond_the_bound_are_counted_and_named_in_the_timeline(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    parent = report(service, clock, point=PASAR_GENTENG)
    full = [
        lifecycle.report_of(repo.incidents[parent], "operator1", clock())
        for _ in range(lifecycle.MAX_REPORTS)
    ]
    repo.incidents[parent] = repo.incidents[parent].model_copy(update={"reports": full})
    child = claimed(service, report(service, clock, point=PASAR_GENTENG))

    result = service.related.attach(child, parent, "operator1")

    assert result.incident.status is Status.ATTACHED
    assert len(result.parent.reports) == lifecycle.MAX_REPORTS
    assert result.parent.reports_not_kept == 1
    assert repo.timelines[parent][-1].details == {"childId": child, "channel": "WEB", "kept": "false"}


def test_a_supervisor_detaches_a_mistaken_attach(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    parent = report(service, clock, point=PASAR_GENTENG)
    child = claimed(service, report(service, clock, point=PASAR_GENTENG))
    service.related.attach(child, parent, "operator1")

    result = service.related.detach(child, "supervisor1", "Alamat berbeda, bukan kejadian yang sama")

    assert result.incident.status is Status.IN_REVIEW
    assert result.incident.parent_id is None
    assert result.incident.assigned_to == "supervisor1"
    assert result.parent.reports == []
    for incident_id, action in ((child, Action.DETACH), (parent, Action.REPORT_REMOVED)):
        entry = repo.timelines[incident_id][-1]
        assert entry.action is action
        assert entry.actor == "supervisor1"
        assert entry.reason == "Alamat berbeda, bukan kejadian yang sama"
    with pytest.raises(IllegalTransition):
        service.related.detach(child, "supervisor1", "sekali lagi")


# -- notes ---------------------------------------------------------------------------------------------


def test_a_note_at_any_open_stage_is_in_the_timeline(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = report(service, clock, point=PASAR_GENTENG)
    noted = service.note(incident_id, "operator2", "Asap terlihat dari jalan raya")
    assert noted.status is Status.RECEIVED
    entry = repo.timelines[incident_id][-1]
    assert (entry.action, entry.actor, entry.details) == (
        Action.NOTE,
        "operator2",
        {"note": "Asap terlihat dari jalan raya"},
    )
    assert entry.from_status is entry.to_status is Status.RECEIVED


def test_a_note_is_added_even_when_the_incident_changed_meanwhile(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = report(service, clock, point=PASAR_GENTENG)
    real_get = repo.get
    moved = {"done": False}

    def get_then_move(wanted: str) -> Any:
        read = real_get(wanted)
        if not moved["done"]:  # someone claims it between our read and our write
            moved["done"] = True
            service.claim(wanted, "operator1")
        return read

    repo.get = get_then_move  # type: ignore[method-assign,assignment]
    noted = service.note(incident_id, "operator2", "catatan")
    assert noted.status is Status.IN_REVIEW
    assert [e.action for e in repo.timelines[incident_id]][-2:] == [Action.CLAIM, Action.NOTE]


# -- the routes ----------------------------------------------------------------------------------------


def call(
    service: IncidentService, name: str, incident_id: str, body: Any = ..., **kwargs: Any
) -> tuple[int, Any]:
    event = apigw_event(name, incident_id=incident_id, body=body, **kwargs)
    response = lambda_handler(event, FakeLambdaContext(), service=service)
    return response["statusCode"], response_json(response)


def test_the_routes_suggest_attach_note_and_detach(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    parent = report(service, clock, point=PASAR_GENTENG, caller="+6281200000001")
    child = claimed(service, report(service, clock, point=GENTENG_500M_EAST, caller="+6281200000002"))

    status, related = call(service, "related-incidents", child)
    assert status == 200, related
    assert related["items"][0]["incident"]["id"] == parent
    assert related["items"][0]["reasons"] == ["NEAR"]
    assert related["items"][0]["minutesApart"] == 1
    assert (related["windowMinutes"], related["nearM"]) == (60, 1000)

    status, attached = call(service, "attach-incident", child, body={"parentId": parent})
    assert status == 200, attached
    assert attached["incident"]["status"] == "ATTACHED"
    assert attached["incident"]["parentId"] == parent
    assert attached["parent"]["reports"][0]["caller"] == "+6281200000002"

    status, noted = call(service, "add-note", parent, body={"text": "  Tiga penelepon  "})
    assert status == 200
    assert noted["version"] == repo.incidents[parent].version
    assert repo.timelines[parent][-1].details == {"note": "Tiga penelepon"}

    status, body = call(service, "detach-incident", child, body={"reason": "salah"}, groups="operator")
    assert status == 403, body
    status, detached = call(service, "detach-incident", child, username="supervisor1", groups="supervisor")
    assert status == 200, detached
    assert detached["incident"]["status"] == "IN_REVIEW"
    assert detached["parent"]["reports"] == []


def test_a_lost_attach_race_answers_409(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    parent = report(service, clock, point=PASAR_GENTENG)
    child = claimed(service, report(service, clock, point=PASAR_GENTENG))

    def lose(changes: Any) -> Any:
        raise ConcurrentModification(changes[0].incident.id)

    repo.commit_together = lose  # type: ignore[method-assign]
    status, body = call(service, "attach-incident", child, body={"parentId": parent})
    assert status == 409
    assert body["code"] == "CONFLICT"


def test_an_attached_call_is_attached_in_its_callers_history(service: IncidentService, clock: Clock) -> None:
    parent = report(service, clock, point=PASAR_GENTENG)
    child = claimed(service, report(service, clock, point=PASAR_GENTENG, caller="+6281200000009"))
    service.related.attach(child, parent, "operator1")
    history = service.callers.history("+6281200000009")
    assert [(entry.id, entry.outcome) for entry in history.history] == [(child, "ATTACHED")]

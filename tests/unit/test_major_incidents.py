"""Major-incident mode (core/major_incidents.py, verify/routes/major_incidents.py, the intake's answer):
the rules of a declaration and its end, both audited on the parent; the message every 112 caller hears,
bounded and speakable, read in the intake's one BatchGetItem (a failed read is a call without it); the
parent first among the suggestions for an incident in the area or not placed yet; the routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from core.errors import ConcurrentModification, IllegalTransition, InvalidRequest
from core.incidents import IncidentService, Report
from core.lifecycle import declare_major
from core.major_incidents import (
    MAX_ACTIVE,
    MESSAGE_MAX,
    SPOKEN_MAX,
    TEMPLATE,
    ActiveMajorIncidents,
    DeclareMajorIncident,
    MajorArea,
    MajorIncident,
    MajorIncidentConflict,
    MajorIncidentNotActive,
    clean_message,
    speakable,
)
from core.models import Action, Category, Channel, Location, Priority, Status
from core.regency import REGENCIES
from core.related import MatchReason
from core.repository import DynamoIncidentRepository
from intake.connect import lambda_handler as connect_handler
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock, FakeLambdaContext, apigw_event, connect_event, create_tables, load_event
from tests.unit.test_verify_api import Api

BANYUWANGI = REGENCIES["banyuwangi"]
MESSAGE = "Kami sudah menerima laporan kebakaran di Pasar Genteng. Petugas sedang menuju lokasi."
PASAR_GENTENG = (-8.3695, 114.153)


def in_review(service: IncidentService, district: str | None = "Genteng", **location: Any) -> str:
    loc = Location(district=district, **location) if district or location else None
    incident, _ = service.register(
        Report(channel=Channel.WEB, actor="system:web", text="Pasar terbakar", location=loc)
    )
    service.claim(incident.id, "operator1")
    return incident.id


def declaration(parent_id: str, message: str = MESSAGE, **area: Any) -> DeclareMajorIncident:
    return DeclareMajorIncident.model_validate(
        {"parentId": parent_id, "area": area or {"district": "genteng"}, "message": message}
    )


# -- the rules ---------------------------------------------------------------------------------------


def test_a_supervisor_declares_one_audited_on_the_parent(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    parent = in_review(service)

    major = service.major.declare("supervisor", declaration(parent))

    assert major.area.district == "Genteng"  # the regency's spelling
    assert (major.parent_id, major.declared_by, major.message) == (parent, "supervisor", MESSAGE)
    assert service.major.active().items == [major]
    entry = repo.timelines[parent][-1]
    assert (entry.action, entry.actor, entry.from_status, entry.to_status) == (
        Action.MAJOR_INCIDENT, "supervisor", Status.IN_REVIEW, Status.IN_REVIEW,
    )  # fmt: skip
    assert entry.details == {"majorIncidentId": major.id, "area": "Kecamatan Genteng", "message": MESSAGE}


def test_the_same_declaration_sent_again_answers_the_one_made(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    parent = in_review(service)
    first = service.major.declare("supervisor", declaration(parent))
    again = service.major.declare("supervisor", declaration(parent))

    assert again == first
    assert [e.action for e in repo.timelines[parent]].count(Action.MAJOR_INCIDENT) == 1
    with pytest.raises(MajorIncidentConflict, match="active for"):
        service.major.declare("supervisor", declaration(parent, "Pesan lain untuk penelepon."))


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.CLOSED, Status.REJECTED])
def test_the_parent_must_be_handled_by_a_person_and_open(
    status: Status, service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    parent = in_review(service)
    repo.incidents[parent] = repo.incidents[parent].model_copy(update={"status": status})
    with pytest.raises(IllegalTransition):
        service.major.declare("supervisor", declaration(parent))
    assert service.major.active().items == []


def test_a_verified_or_dispatched_parent_may_be_declared(service: IncidentService) -> None:
    from core.incidents import VerifyCommand  # noqa: PLC0415

    parent = in_review(service)
    command = VerifyCommand(Category.FIRE, Priority.P1, Location(district="Genteng"), "Pasar terbakar")
    service.verify(parent, "operator1", command)
    assert service.major.declare("supervisor", declaration(parent)).parent_id == parent


def test_an_unknown_parent_or_kecamatan_is_refused(service: IncidentService) -> None:
    with pytest.raises(InvalidRequest, match="no incident"):
        service.major.declare("supervisor", declaration("01KB0Z3Q7M2X8N4P6R9T1V5W3Y"))
    parent = in_review(service)
    with pytest.raises(InvalidRequest, match="not a kecamatan"):
        service.major.declare("supervisor", declaration(parent, district="Atlantis"))


def test_at_most_max_active_at_once(service: IncidentService) -> None:
    for _ in range(MAX_ACTIVE):
        service.major.declare("supervisor", declaration(in_review(service)))
    with pytest.raises(MajorIncidentConflict, match="end one first"):
        service.major.declare("supervisor", declaration(in_review(service)))


def test_ending_it_is_audited_with_the_reason_even_on_a_closed_parent(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    parent = in_review(service)
    major = service.major.declare("supervisor", declaration(parent))
    repo.incidents[parent] = repo.incidents[parent].model_copy(update={"status": Status.CLOSED})

    ended = service.major.end("supervisor2", major.id, "Api sudah padam")

    assert ended == major
    assert service.major.active().items == []
    entry = repo.timelines[parent][-1]
    assert (entry.action, entry.actor, entry.reason, entry.to_status) == (
        Action.MAJOR_INCIDENT_END, "supervisor2", "Api sudah padam", Status.CLOSED,
    )  # fmt: skip
    with pytest.raises(MajorIncidentNotActive):
        service.major.end("supervisor2", major.id, "Api sudah padam")


def test_a_lost_race_changes_nothing(service: IncidentService, repo: InMemoryIncidentRepository) -> None:
    parent = in_review(service)
    incident = repo.incidents[parent]
    stale = ActiveMajorIncidents(version=0)
    service.major.declare("supervisor", declaration(parent))  # someone else's, committed first
    change = declare_major(repo.incidents[parent], "supervisor2", datetime.now(UTC), {})

    with pytest.raises(ConcurrentModification):
        repo.save_major_incidents(stale.model_copy(update={"version": 1}), stale.version, change)

    assert len(service.major.active().items) == 1
    assert repo.incidents[parent].version == incident.version + 1  # only the first declaration's


# -- the message ------------------------------------------------------------------------------------


def test_the_message_is_speakable_and_bounded() -> None:
    assert clean_message("  Kebakaran   di\nPasar  Genteng. ") == "Kebakaran di Pasar Genteng."
    assert clean_message("Jalan Ahmad Yani 12/3 (50%)") == "Jalan Ahmad Yani 12/3 (50%)"
    for bad in [
        "<speak>kebakaran</speak>",
        "Banjir ${Attr} di Rogojampi",
        "Banjir {x} di sini",
        "Hi\u0000 there!!",
    ]:
        with pytest.raises(ValueError, match="only letters"):
            clean_message(bad)
    with pytest.raises(ValueError, match="characters"):
        clean_message("Banjir")
    with pytest.raises(ValueError, match="characters"):
        clean_message("a" * (MESSAGE_MAX + 1))
    body = {
        "parentId": "01KB0Z3Q7M2X8N4P6R9T1V5W3Y",
        "area": {"district": "Genteng"},
        "message": "<b>x</b>" * 5,
    }
    with pytest.raises(ValidationError):
        DeclareMajorIncident.model_validate(body)
    assert speakable("Kebakaran <b>besar</b> ${x}") == "Kebakaran b besar /b x"
    assert len(speakable("a " * 500)) <= MESSAGE_MAX


def test_the_template_is_a_valid_message_once_filled() -> None:
    assert clean_message(TEMPLATE.format(what="kebakaran", where="Kecamatan Genteng"))


def major(n: int, message: str) -> MajorIncident:
    return MajorIncident(
        id=f"01KB0Z4A1B2C3D4E5F6G7H8J{n:02d}".replace("0", "1")[:26],
        parent_id="01KB0Z3Q7M2X8N4P6R9T1V5W3Y",
        area=MajorArea(district="Genteng"),
        message=message,
        declared_by="supervisor",
        declared_at=datetime.now(UTC),
    )


def test_callers_hear_the_newest_messages_whole_within_the_bound() -> None:
    long_ = "Banjir di Rogojampi. " * 9  # 189 characters each
    active = ActiveMajorIncidents(
        items=[major(1, "Pesan terbaru: banjir di Genteng."), major(2, long_), major(3, long_)]
    )
    spoken = active.spoken()
    assert spoken is not None
    assert len(spoken) <= SPOKEN_MAX
    assert spoken.startswith("Pesan terbaru: banjir di Genteng. Banjir")
    assert spoken.count("Banjir di Rogojampi.") == 9  # the second whole; the third did not fit
    assert ActiveMajorIncidents().spoken() is None


def test_an_area_is_a_kecamatan_or_a_circle() -> None:
    assert MajorArea.model_validate({"lat": -8.3, "lon": 114.1, "radiusMeters": 500}).radius_meters == 500
    for bad in [{}, {"district": "Genteng", "lat": -8.3}, {"lat": -8.3, "lon": 114.1},
                {"lat": -8.3, "lon": 114.1, "radiusMeters": 5}]:  # fmt: skip
        with pytest.raises(ValidationError):
            MajorArea.model_validate(bad)


# -- the intake -------------------------------------------------------------------------------------


def test_every_112_caller_gets_the_message_while_one_is_active(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    service.major.declare("supervisor", declaration(in_review(service)))

    answer = connect_handler(connect_event(), lambda_context, service=service)
    withheld = connect_handler(connect_event(contact_id="c-2", caller=None), lambda_context, service=service)

    assert (answer["majorIncident"], answer["majorIncidentMessage"]) == ("true", MESSAGE)
    assert (withheld["majorIncident"], withheld["majorIncidentMessage"]) == ("true", MESSAGE)
    assert repo.incidents[answer["incidentId"]].status is Status.RECEIVED
    # the cannot-speak key's answer stays a STRING_MAP: the flow kept the message from the first answer
    event = connect_event()
    event["Details"]["Parameters"]["event"] = "CANNOT_SPEAK"
    flagged = connect_handler(event, lambda_context, service=service)
    assert "majorIncidentMessage" not in flagged
    assert "majorIncident" not in flagged


def test_a_failed_read_is_a_call_without_the_message(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    service.major.declare("supervisor", declaration(in_review(service)))
    repo.snapshot_fails = True

    answer = connect_handler(connect_event(), lambda_context, service=service)

    assert answer["majorIncident"] == "false"
    assert "majorIncidentMessage" not in answer
    assert repo.incidents[answer["incidentId"]].status is Status.RECEIVED  # the call is registered


def test_what_the_table_holds_is_sanitised_before_a_caller_hears_it(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    repo.majors = ActiveMajorIncidents(items=[major(1, "Kebakaran <break/> di ${Genteng}")], version=1)
    answer = connect_handler(connect_event(), lambda_context, service=service)
    assert answer["majorIncidentMessage"] == "Kebakaran break/ di Genteng"


def test_after_the_end_callers_hear_nothing(
    service: IncidentService, lambda_context: FakeLambdaContext
) -> None:
    declared = service.major.declare("supervisor", declaration(in_review(service)))
    service.major.end("supervisor", declared.id, "Selesai")
    answer = connect_handler(connect_event(), lambda_context, service=service)
    assert answer["majorIncident"] == "false"
    assert "majorIncidentMessage" not in answer


# -- suggestions ------------------------------------------------------------------------------------


def test_the_parent_comes_first_for_an_incident_in_its_area(service: IncidentService, clock: Clock) -> None:
    parent = in_review(service, lat=PASAR_GENTENG[0], lon=PASAR_GENTENG[1])
    declared = service.major.declare("supervisor", declaration(parent))
    clock.advance(minutes=5)
    other = in_review(service, lat=PASAR_GENTENG[0] + 0.0005, lon=PASAR_GENTENG[1])  # a report nearby
    clock.advance(minutes=1)
    subject = in_review(service, lat=PASAR_GENTENG[0] + 0.001, lon=PASAR_GENTENG[1])

    items = service.related.suggest(subject).items

    assert items[0].incident.id == parent
    assert items[0].reasons[0] is MatchReason.MAJOR_INCIDENT
    assert items[0].major_incident_id == declared.id
    assert {i.incident.id for i in items} == {parent, other}  # once each


def test_an_incident_not_placed_yet_is_offered_the_parent_first(
    service: IncidentService, clock: Clock
) -> None:
    parent = in_review(service)
    service.major.declare("supervisor", declaration(parent))
    clock.advance(hours=3)  # beyond the suggestions' window: the declaration still brings it
    incident, _ = service.register(
        Report(channel=Channel.VOICE, actor="system:intake", caller="+6281200000001")
    )

    items = service.related.suggest(incident.id).items

    assert [(i.incident.id, i.reasons) for i in items] == [(parent, [MatchReason.MAJOR_INCIDENT])]


def test_an_incident_elsewhere_is_not_offered_it(service: IncidentService) -> None:
    parent = in_review(service)
    service.major.declare("supervisor", declaration(parent))
    elsewhere = in_review(service, district="Rogojampi")
    assert service.related.suggest(elsewhere).items == []


def test_a_circle_covers_the_points_within_its_radius(service: IncidentService) -> None:
    parent = in_review(service, district=None, lat=PASAR_GENTENG[0], lon=PASAR_GENTENG[1])
    service.major.declare(
        "supervisor", declaration(parent, lat=PASAR_GENTENG[0], lon=PASAR_GENTENG[1], radiusMeters=2000)
    )
    inside = in_review(service, district=None, lat=PASAR_GENTENG[0] + 0.015, lon=PASAR_GENTENG[1])  # ~1.7 km
    outside = in_review(service, district=None, lat=PASAR_GENTENG[0] + 0.03, lon=PASAR_GENTENG[1])  # ~3.3 km
    assert [i.incident.id for i in service.related.suggest(inside).items][:1] == [parent]
    assert parent not in [i.incident.id for i in service.related.suggest(outside).items]


# -- the routes -------------------------------------------------------------------------------------


@pytest.fixture
def api(service: IncidentService, lambda_context: FakeLambdaContext) -> Api:
    return Api(service, lambda_context)


def as_user(name: str, groups: str = "supervisor", body: Any = ..., **path: str) -> dict[str, Any]:
    event = apigw_event(name, username=groups, groups=groups, body=body)
    for key, value in path.items():
        old = event["pathParameters"][key]
        event["pathParameters"][key] = value
        event["path"] = event["path"].replace(old, value)
    return event


def sample(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(load_event(f"apigw/{name}.json")["body"])
    return body


def test_supervisors_declare_and_end_and_everyone_reads(api: Api, service: IncidentService) -> None:
    parent = in_review(service)
    body = {**sample("declare-major-incident"), "parentId": parent}

    assert api(as_user("declare-major-incident", "operator", body))[0] == 403
    status, declared = api(as_user("declare-major-incident", body=body))
    assert status == 200, declared
    assert declared["parentId"] == parent
    assert declared["area"]["district"] == "Genteng"
    assert api(as_user("declare-major-incident", body=body)) == (200, declared)  # sent again
    status, other = api(
        as_user("declare-major-incident", body={**body, "message": "Pesan yang lain sekali."})
    )
    assert (status, other["code"]) == (409, "CONFLICT")

    status, listed = api(as_user("list-major-incidents", "operator"))
    assert status == 200
    assert [m["id"] for m in listed["items"]] == [declared["id"]]
    assert listed["maxActive"] == MAX_ACTIVE

    end = as_user("end-major-incident", major_id=declared["id"])
    assert api(as_user("end-major-incident", "operator", major_id=declared["id"]))[0] == 403
    assert api(end)[0] == 200
    assert api(end)[0] == 404
    assert api(as_user("list-major-incidents", "operator"))[1]["items"] == []


def test_a_parent_nobody_handles_is_a_conflict(api: Api, service: IncidentService) -> None:
    incident, _ = service.register(Report(channel=Channel.WEB, actor="system:web", text="Kebakaran"))
    body = {**sample("declare-major-incident"), "parentId": incident.id}
    status, answer = api(as_user("declare-major-incident", body=body))
    assert (status, answer["code"]) == (409, "ILLEGAL_TRANSITION")


# -- the DynamoDB adapter ----------------------------------------------------------------------------


@pytest.fixture
def dynamo() -> Iterator[DynamoIncidentRepository]:
    with mock_aws():
        names = create_tables()
        yield DynamoIncidentRepository(names["TABLE_NAME"], boto3.client("dynamodb"))


def test_the_table_keeps_the_declarations_under_one_key_with_the_parents_audit(
    dynamo: DynamoIncidentRepository,
) -> None:
    service = IncidentService(dynamo, BANYUWANGI)
    parent = in_review(service)
    declared = service.major.declare("supervisor", declaration(parent))

    assert dynamo.major_incidents().items == [declared]
    assert dynamo.caller_snapshot(None, datetime.now(UTC)).majors == dynamo.major_incidents()
    assert dynamo.caller_snapshot("+6281234567890", datetime.now(UTC)).majors == dynamo.major_incidents()
    timeline = dynamo.get_detail(parent).timeline
    assert [e.action for e in timeline][-1] is Action.MAJOR_INCIDENT
    # a write from a stale read loses, and the parent keeps its version
    before = dynamo.get(parent)
    change = declare_major(before, "supervisor2", datetime.now(UTC), {})
    with pytest.raises(ConcurrentModification):
        dynamo.save_major_incidents(ActiveMajorIncidents(version=1), 0, change)
    assert dynamo.get(parent).version == before.version

    service.major.end("supervisor", declared.id, "Selesai")
    assert dynamo.major_incidents().items == []
    assert [e.action for e in dynamo.get_detail(parent).timeline][-1] is Action.MAJOR_INCIDENT_END


def test_a_connect_retry_answers_the_message_too(
    service: IncidentService, lambda_context: FakeLambdaContext
) -> None:
    service.major.declare("supervisor", declaration(in_review(service)))
    first = connect_handler(connect_event(), lambda_context, service=service)
    retry = connect_handler(connect_event(), lambda_context, service=service)
    assert retry["repeatInvocation"] == "true"
    assert retry["incidentId"] == first["incidentId"]
    assert retry["majorIncidentMessage"] == first["majorIncidentMessage"] == MESSAGE

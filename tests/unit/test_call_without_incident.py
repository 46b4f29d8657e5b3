"""A 112 call that reached an operator without its incident (the intake failed or timed out): the operator
opens it under the call's contact, the key the intake uses, so the intake and the operator, in either
order, make one incident (core, the operators' API and the intake handler together)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.errors import InvalidRequest
from core.incidents import CALL_WITHOUT_INCIDENT, SYSTEM_INTAKE, IncidentService
from core.models import Action, AmlFix, AmlTransport, Channel, Flag, Status
from intake.connect import lambda_handler as intake
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock, FakeLambdaContext, apigw_event, connect_event, load_event, response_json
from verify.api import lambda_handler as verify_api

CONTACT = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"  # the contact of events/connect/contact-flow.json
CALLER = "+6281234567890"
OPERATOR = "operator1"


def voice_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(load_event("apigw/open-incident-voice.json")["body"])
    return {**body, **changes}


def post(service: IncidentService, context: FakeLambdaContext, username: str = OPERATOR) -> tuple[int, Any]:
    """POST /incidents with the VOICE sample (its contact is the Connect sample's)."""
    event = apigw_event("open-incident-voice", username=username)
    response = verify_api(event, context, service=service)
    return response["statusCode"], response_json(response)


def call(service: IncidentService, context: FakeLambdaContext, **kwargs: Any) -> dict[str, str]:
    """What the contact flow gets from intake-connect for the sample call (its contact unless told)."""
    answer: dict[str, str] = intake(connect_event(**kwargs), context, service=service)
    return answer


# -- core ------------------------------------------------------------------------------------------


def test_the_operator_opens_the_calls_incident_as_a_112_call_and_the_entry_says_who_and_why(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    incident, created = service.open_call(OPERATOR, CONTACT, caller="0812-3456-7890")

    assert created is True
    assert (incident.channel, incident.status) == (Channel.VOICE, Status.RECEIVED)
    assert incident.caller == CALLER
    assert incident.contact_id == CONTACT
    assert incident.source == {"initialContactId": CONTACT}
    assert incident.created_by == OPERATOR
    assert incident.flags == []
    [entry] = repo.get_detail(incident.id).timeline
    assert (entry.action, entry.actor, entry.reason) == (Action.REGISTER, OPERATOR, CALL_WITHOUT_INCIDENT)
    assert repo.dedupe == {f"CONTACT#{CONTACT}": incident.id}  # the intake's key (decision 2)


def test_a_withheld_number_is_still_the_calls_incident(service: IncidentService) -> None:
    incident, created = service.open_call(OPERATOR, CONTACT)

    assert created is True
    assert incident.caller is None
    assert incident.flags == [Flag.CALLER_UNKNOWN]


def test_the_intake_first_then_the_operator_gives_the_intakes_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    answer = call(service, lambda_context)  # registered, but too late for the flow: no incidentId

    incident, created = service.open_call(OPERATOR, CONTACT, caller=CALLER)

    assert created is False
    assert incident.id == answer["incidentId"]
    assert incident.created_by == SYSTEM_INTAKE
    assert list(repo.incidents) == [incident.id]
    [entry] = repo.get_detail(incident.id).timeline
    assert (entry.actor, entry.reason) == (SYSTEM_INTAKE, None)


def test_a_late_intake_after_the_operator_answers_the_operators_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    incident, _ = service.open_call(OPERATOR, CONTACT, caller=CALLER)

    answer = call(service, lambda_context)  # Connect's retry, or the first attempt finishing late

    assert answer["incidentId"] == incident.id  # Connect sets it on the contact
    assert answer["repeatInvocation"] == "true"
    assert answer["callerKnown"] == "true"
    assert list(repo.incidents) == [incident.id]


def test_a_transferred_call_is_keyed_on_its_initial_contact(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    event = connect_event()
    event["Details"]["ContactData"]["ContactId"] = "0b7f3c1e-2f55-4c1a-9d0e-8e3b6a4c2d19"  # after a transfer
    answer = intake(event, lambda_context, service=service)

    incident, created = service.open_call(OPERATOR, CONTACT)  # the panel sends getInitialContactId()

    assert (incident.id, created) == (answer["incidentId"], False)


def test_the_contact_id_is_matched_whatever_its_case(
    service: IncidentService, lambda_context: FakeLambdaContext
) -> None:
    answer = call(service, lambda_context)

    incident, created = service.open_call(OPERATOR, CONTACT.upper())

    assert (incident.id, created) == (answer["incidentId"], False)


@pytest.mark.parametrize(
    "contact_id",
    [
        "",
        "5ca32fbd",
        f"{CONTACT}\n",  # re's '$' would let this through
        f"CONTACT#{CONTACT}",
        f"{CONTACT}#x",
        "5ca32fbd-8f92-46af-92a5-6b0f970f0efg",
        "\uff15ca32fbd-8f92-46af-92a5-6b0f970f0efe",  # a full-width 5
        "x" * 100_000,
    ],
)
def test_anything_but_a_connect_contact_id_is_refused_before_it_becomes_a_key(
    contact_id: str, service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        service.open_call(OPERATOR, contact_id)

    assert refused.value.field == "contactId"
    assert repo.incidents == {}
    assert repo.dedupe == {}


def test_a_112_call_cannot_be_opened_as_a_walk_in(service: IncidentService) -> None:
    with pytest.raises(InvalidRequest, match="contact id"):
        service.open_by_hand(OPERATOR, Channel.VOICE, "Telepon 112")


def test_the_handsets_kept_position_joins_the_incident_the_operator_opened(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    fix = AmlFix(lat=-8.2191, lon=114.3691, accuracy_m=12, received_at=clock(), transport=AmlTransport.SMS)
    repo.keep_position(CALLER, fix, int(clock().timestamp()) + 1800)

    incident, _ = service.open_call(OPERATOR, CONTACT, caller=CALLER)

    assert incident.aml is not None
    assert (incident.aml.lat, incident.aml.lon) == (-8.2191, 114.3691)


# -- the operators' API ----------------------------------------------------------------------------


def test_post_voice_opens_the_calls_incident_201_and_again_200_with_the_same(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    status, incident = post(service, lambda_context)
    again_status, again = post(service, lambda_context, "operator2")  # pressed again, at another desk

    assert status == 201
    assert (incident["channel"], incident["status"]) == ("VOICE", "RECEIVED")
    assert (incident["contactId"], incident["caller"], incident["createdBy"]) == (CONTACT, CALLER, OPERATOR)
    assert again_status == 200
    assert again["id"] == incident["id"]
    assert list(repo.incidents) == [incident["id"]]


def test_post_voice_after_the_intake_is_200_with_the_intakes_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    answer = call(service, lambda_context)

    status, incident = post(service, lambda_context)

    assert status == 200
    assert incident["id"] == answer["incidentId"]
    assert incident["createdBy"] == SYSTEM_INTAKE
    assert len(repo.incidents) == 1


def test_post_voice_before_the_intake_gives_connect_the_operators_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    status, incident = post(service, lambda_context)

    answer = call(service, lambda_context)

    assert status == 201
    assert answer["incidentId"] == incident["id"]
    assert len(repo.incidents) == 1


def test_post_voice_without_a_number_is_caller_unknown(
    service: IncidentService, lambda_context: FakeLambdaContext
) -> None:
    body = voice_body()
    del body["caller"]
    event = apigw_event("open-incident-voice", body=body)

    response = verify_api(event, lambda_context, service=service)

    assert response["statusCode"] == 201
    assert response_json(response)["flags"] == ["CALLER_UNKNOWN"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"channel": "VOICE", "caller": CALLER}, "contactId", "contactId is required"),
        ({"channel": "VOICE", "contactId": "../../etc/passwd"}, "contactId", "pattern"),
        ({"channel": "VOICE", "contactId": "a" * 5000}, "contactId", "at most 64"),
        ({"channel": "VOICE", "contactId": CONTACT, "clientRequestId": "r-1"}, "clientRequestId", "VOICE"),
        (
            {"channel": "VOICE", "contactId": CONTACT, "location": {"district": "Genteng"}},
            "location",
            "VOICE",
        ),
        ({"channel": "WALK_IN", "summary": "Pohon tumbang", "contactId": CONTACT}, "contactId", "only for"),
        ({"channel": "RADIO"}, "summary", "summary is required"),
    ],
)
def test_post_refuses_what_does_not_fit_the_channel_and_names_the_field(
    body: dict[str, Any],
    field: str,
    words: str,
    service: IncidentService,
    repo: InMemoryIncidentRepository,
    lambda_context: FakeLambdaContext,
) -> None:
    response = verify_api(apigw_event("open-incident-voice", body=body), lambda_context, service=service)

    assert response["statusCode"] == 422
    [problem] = response_json(response)["detail"]
    assert problem["loc"] == ["body", field]
    assert words in problem["msg"]
    assert repo.incidents == {}

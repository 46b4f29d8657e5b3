"""intake.connect.lambda_handler: what Amazon Connect's contact flow gets back, and what is stored."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from core.ids import is_ulid
from core.incidents import SYSTEM_INTAKE, IncidentService
from core.models import Channel, Flag, Status
from core.regency import REGENCIES
from core.repository import DynamoIncidentRepository
from core.settings import get_settings
from intake import connect
from intake.connect import lambda_handler
from tests.fakes import InMemoryIncidentRepository
from tests.support import EVENTS, Clock, FakeLambdaContext, connect_event, create_tables, load_event

STRING_MAP_VALUE = re.compile(r"^[A-Za-z0-9_-]+$")
CONNECT_RESPONSE_LIMIT = 32 * 1024
CONNECT_SAMPLES = sorted(p.name for p in (EVENTS / "connect").glob("*.json"))


@pytest.fixture
def service(repo: InMemoryIncidentRepository) -> IncidentService:
    return IncidentService(repo, REGENCIES["banyuwangi"], clock=Clock())


def assert_string_map(response: Any) -> None:
    """Connect accepts a flat map of strings, each of letters, digits, '-' and '_', under 32 KB."""
    assert isinstance(response, dict)
    for key, value in response.items():
        assert isinstance(key, str)
        assert isinstance(value, str), f"{key} is {type(value).__name__}, not str"
        assert STRING_MAP_VALUE.match(value), f"{key}={value!r} is not a Connect-safe value"
    assert len(json.dumps(response).encode("utf-8")) < CONNECT_RESPONSE_LIMIT


def test_a_call_registers_a_received_voice_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    event = connect_event()

    response = lambda_handler(event, lambda_context, service=service)

    assert_string_map(response)
    assert set(response) == {
        "incidentId",
        "incidentStatus",
        "callerKnown",
        "repeatInvocation",
        "callerStanding",
        "recentPranks",
        "majorIncident",  # "false": no major incident is active (test_major_incidents.py: one is)
    }
    assert response["majorIncident"] == "false"
    assert is_ulid(response["incidentId"])
    assert response["incidentStatus"] == "RECEIVED"
    assert response["callerKnown"] == "true"
    assert response["repeatInvocation"] == "false"
    assert response["callerStanding"] == "NORMAL"
    assert response["recentPranks"] == "0"

    stored = repo.incidents[response["incidentId"]]
    assert stored.status is Status.RECEIVED
    assert stored.channel is Channel.VOICE
    assert stored.caller == "+6281234567890"
    assert stored.contact_id == event["Details"]["ContactData"]["ContactId"]
    assert stored.created_by == SYSTEM_INTAKE
    assert stored.flags == []
    assert stored.source["dialledNumber"] == "+62333112112"


def test_a_connect_retry_returns_the_same_incident_and_stores_one(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    first = lambda_handler(connect_event(), lambda_context, service=service)
    retry = lambda_handler(connect_event(), lambda_context, service=service)

    assert retry["incidentId"] == first["incidentId"]
    assert first["repeatInvocation"] == "false"
    assert retry["repeatInvocation"] == "true"
    assert retry["incidentStatus"] == "RECEIVED"
    assert_string_map(retry)
    assert list(repo.incidents) == [first["incidentId"]]
    assert len(repo.timelines[first["incidentId"]]) == 1


def test_another_contact_is_another_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    first = lambda_handler(connect_event(), lambda_context, service=service)
    other = lambda_handler(
        connect_event(contact_id="11111111-2222-4333-8444-555555555555"), lambda_context, service=service
    )

    assert other["incidentId"] != first["incidentId"]
    assert other["repeatInvocation"] == "false"
    assert len(repo.incidents) == 2


@pytest.mark.parametrize("sample", CONNECT_SAMPLES)
def test_every_connect_sample_yields_an_incident(
    sample: str,
    service: IncidentService,
    repo: InMemoryIncidentRepository,
    lambda_context: FakeLambdaContext,
) -> None:
    response = lambda_handler(load_event(f"connect/{sample}"), lambda_context, service=service)

    assert_string_map(response)
    assert response["incidentStatus"] == "RECEIVED"
    assert response["repeatInvocation"] == "false"
    assert list(repo.incidents) == [response["incidentId"]]
    incident = repo.incidents[response["incidentId"]]
    assert response["callerKnown"] == ("true" if incident.caller else "false")
    assert (Flag.CALLER_UNKNOWN in incident.flags) is (incident.caller is None)


def test_the_invalid_sample_is_an_incident_with_an_unknown_caller(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("connect/contact-flow-invalid.json")

    response = lambda_handler(event, lambda_context, service=service)

    assert response["callerKnown"] == "false"
    assert response["incidentStatus"] == "RECEIVED"
    incident = repo.incidents[response["incidentId"]]
    assert incident.caller is None
    assert incident.flags == [Flag.CALLER_UNKNOWN]
    assert incident.channel is Channel.OTHER  # a TASK contact: not a call, still recorded
    assert incident.contact_id == event["Details"]["ContactData"]["ContactId"]


def test_a_withheld_number_is_an_unknown_caller(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    response = lambda_handler(connect_event(caller=None), lambda_context, service=service)

    assert response["callerKnown"] == "false"
    assert repo.incidents[response["incidentId"]].flags == [Flag.CALLER_UNKNOWN]


@pytest.mark.parametrize("event", [None, [], "ContactFlowEvent", 112], ids=["none", "list", "str", "int"])
def test_an_event_that_is_not_an_object_still_yields_an_incident(
    event: Any,
    service: IncidentService,
    repo: InMemoryIncidentRepository,
    lambda_context: FakeLambdaContext,
) -> None:
    response = lambda_handler(event, lambda_context, service=service)

    assert_string_map(response)
    assert is_ulid(response["incidentId"])
    assert response["incidentStatus"] == "RECEIVED"
    assert response["callerKnown"] == "false"
    incident = repo.incidents[response["incidentId"]]
    assert incident.status is Status.RECEIVED
    assert incident.flags == [Flag.CALLER_UNKNOWN]


# -- the real default path: settings from the environment, DynamoDB (moto) ----------------------------


@pytest.fixture
def fresh_factories() -> Iterator[None]:
    """The handler's cached service and settings, empty before the test and again after it."""
    connect.default_service.cache_clear()
    get_settings.cache_clear()
    yield
    connect.default_service.cache_clear()
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_factories")
def test_without_a_service_the_handler_writes_to_the_table_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext
) -> None:
    with mock_aws():
        names = create_tables()
        monkeypatch.setenv("TABLE_NAME", names["TABLE_NAME"])
        event = connect_event()

        response = lambda_handler(event, lambda_context)
        retry = lambda_handler(event, lambda_context)

        assert_string_map(response)
        assert response["repeatInvocation"] == "false"
        assert retry["incidentId"] == response["incidentId"]
        assert retry["repeatInvocation"] == "true"
        stored = DynamoIncidentRepository(names["TABLE_NAME"]).get_detail(response["incidentId"])
        assert stored.status is Status.RECEIVED
        assert stored.channel is Channel.VOICE
        assert stored.caller == "+6281234567890"
        assert stored.contact_id == event["Details"]["ContactData"]["ContactId"]
        assert [entry.action.value for entry in stored.timeline] == ["REGISTER"]


def test_the_samples_directory_is_not_empty() -> None:
    # Guards the parametrised test above against silently testing nothing.
    assert {"contact-flow.json", "contact-flow-invalid.json"} <= set(CONNECT_SAMPLES)
    assert all((EVENTS / "connect" / name).is_file() for name in CONNECT_SAMPLES)

"""The supervisor's routes (GET /operators, POST /incidents/{id}/reassign) and conditional GETs."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from core.directory import CognitoDirectory
from core.incidents import IncidentService, Report
from core.models import Channel, OperatorAccount, Status
from tests.fakes import FakeDirectory, InMemoryIncidentRepository
from tests.support import FakeLambdaContext, apigw_event, response_json
from verify.api import lambda_handler


def call(
    event: dict[str, Any], service: IncidentService, directory: FakeDirectory, context: FakeLambdaContext
) -> dict[str, Any]:
    response: dict[str, Any] = lambda_handler(event, context, service=service, directory=directory)
    return response


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


def as_supervisor(name: str, incident_id: str | None = None, **changes: Any) -> dict[str, Any]:
    return apigw_event(name, incident_id=incident_id, username="supervisor", groups="supervisor", **changes)


def claimed_incident(service: IncidentService, operator: str = "operator1") -> str:
    incident, _ = service.register(
        Report(channel=Channel.VOICE, actor="system:intake", caller="081234567890")
    )
    service.claim(incident.id, operator)
    return incident.id


def test_operators_are_listed_for_any_operator(
    service: IncidentService, directory: FakeDirectory, lambda_context: FakeLambdaContext
) -> None:
    response = call(apigw_event("list-operators"), service, directory, lambda_context)

    assert response["statusCode"] == 200
    listed = response_json(response)
    assert [a["username"] for a in listed] == ["operator1", "operator2", "operator3", "supervisor"]
    assert listed[0] == {
        "username": "operator1",
        "name": "Operator 1",
        "groups": ["operator"],
        "enabled": True,
    }


def test_operators_are_not_listed_for_a_user_outside_the_groups(
    service: IncidentService, directory: FakeDirectory, lambda_context: FakeLambdaContext
) -> None:
    event = apigw_event("list-operators-invalid", username=None)
    response = call(event, service, directory, lambda_context)
    assert response["statusCode"] == 401
    response = call(apigw_event("list-operators", groups="admin"), service, directory, lambda_context)
    assert response["statusCode"] == 403


def test_a_supervisor_reassigns_an_incident_under_review(
    service: IncidentService,
    directory: FakeDirectory,
    repo: InMemoryIncidentRepository,
    lambda_context: FakeLambdaContext,
) -> None:
    incident_id = claimed_incident(service)
    event = apigw_event(
        "reassign-incident", incident_id=incident_id, username="supervisor", groups="supervisor"
    )

    response = call(event, service, directory, lambda_context)

    assert response["statusCode"] == 200, response["body"]
    assert response_json(response)["assignedTo"] == "operator2"
    stored = repo.incidents[incident_id]
    assert (stored.status, stored.assigned_to) == (Status.IN_REVIEW, "operator2")
    last = repo.timelines[incident_id][-1]
    assert (last.action.value, last.actor, last.details) == (
        "REASSIGN",
        "supervisor",
        {"from": "operator1", "to": "operator2"},
    )


def test_an_operator_cannot_reassign(
    service: IncidentService, directory: FakeDirectory, lambda_context: FakeLambdaContext
) -> None:
    incident_id = claimed_incident(service)
    event = apigw_event("reassign-incident", incident_id=incident_id, username="operator1", groups="operator")

    response = call(event, service, directory, lambda_context)

    assert response["statusCode"] == 403
    assert "not a supervisor" in response_json(response)["message"]


@pytest.mark.parametrize(
    ("assignee", "problem"),
    [("nobody", "not an active operator"), ("operator1", "already assigned to operator1")],
)
def test_reassign_to_an_unknown_or_the_same_operator_is_422(
    service: IncidentService,
    directory: FakeDirectory,
    lambda_context: FakeLambdaContext,
    assignee: str,
    problem: str,
) -> None:
    incident_id = claimed_incident(service)
    event = as_supervisor("reassign-incident", incident_id, body={"assignee": assignee})

    response = call(event, service, directory, lambda_context)

    assert response["statusCode"] == 422
    body = response_json(response)
    assert body["detail"][0]["loc"] == ["body", "assignee"]
    assert problem in body["message"]


def test_reassign_sample_with_an_empty_assignee_is_422(
    service: IncidentService, directory: FakeDirectory, lambda_context: FakeLambdaContext
) -> None:
    event = as_supervisor("reassign-incident-invalid")
    response = call(event, service, directory, lambda_context)
    assert response["statusCode"] == 422
    assert response_json(response)["detail"][0]["loc"] == ["body", "assignee"]


def test_reassign_of_a_received_incident_is_409(
    service: IncidentService, directory: FakeDirectory, lambda_context: FakeLambdaContext
) -> None:
    incident, _ = service.register(Report(channel=Channel.VOICE, actor="system:intake"))
    event = apigw_event(
        "reassign-incident", incident_id=incident.id, username="supervisor", groups="supervisor"
    )

    response = call(event, service, directory, lambda_context)

    assert response["statusCode"] == 409
    assert response_json(response)["code"] == "ILLEGAL_TRANSITION"


# -- conditional GETs ------------------------------------------------------------------------------


def header(response: dict[str, Any], name: str) -> str | None:
    values = {k.lower(): v for k, v in (response.get("multiValueHeaders") or {}).items()}.get(name.lower())
    return values[0] if values else None


def test_a_get_carries_an_etag_and_an_unchanged_answer_is_a_bodyless_304(
    service: IncidentService, directory: FakeDirectory, lambda_context: FakeLambdaContext
) -> None:
    claimed_incident(service)
    in_review = {"status": "IN_REVIEW"}
    first = call(apigw_event("list-incidents", query=in_review), service, directory, lambda_context)
    etag = header(first, "ETag")
    assert first["statusCode"] == 200
    assert etag is not None
    assert etag.startswith('"')
    assert header(first, "Cache-Control") == "private, no-cache"

    again = apigw_event("list-incidents", query=in_review)
    again["headers"]["If-None-Match"] = etag
    second = call(again, service, directory, lambda_context)

    assert second["statusCode"] == 304
    assert second["body"] == ""
    assert header(second, "ETag") == etag


def test_the_etag_changes_when_the_queue_does(
    service: IncidentService, directory: FakeDirectory, lambda_context: FakeLambdaContext
) -> None:
    before = header(call(apigw_event("list-incidents"), service, directory, lambda_context), "ETag")
    service.register(Report(channel=Channel.VOICE, actor="system:intake"))
    event = apigw_event("list-incidents")
    event["headers"]["If-None-Match"] = str(before)

    response = call(event, service, directory, lambda_context)

    assert response["statusCode"] == 200
    assert header(response, "ETag") != before
    assert len(response_json(response)["items"]) == 1


def test_changes_and_errors_carry_no_etag(
    service: IncidentService, directory: FakeDirectory, lambda_context: FakeLambdaContext
) -> None:
    incident, _ = service.register(Report(channel=Channel.VOICE, actor="system:intake"))
    claim = call(apigw_event("claim-incident", incident_id=incident.id), service, directory, lambda_context)
    missing = call(apigw_event("get-incident"), service, directory, lambda_context)

    assert claim["statusCode"] == 200
    assert header(claim, "ETag") is None
    assert missing["statusCode"] == 404
    assert header(missing, "ETag") is None


# -- the Cognito directory ----------------------------------------------------------------------------


def test_cognito_directory_lists_operators_and_supervisors_once_each() -> None:
    with mock_aws():
        idp = boto3.client("cognito-idp")
        pool = idp.create_user_pool(PoolName="operators")["UserPool"]["Id"]
        for group in ("operator", "supervisor", "admin"):
            idp.create_group(UserPoolId=pool, GroupName=group)
        users = {"operator1": ["operator"], "lead": ["operator", "supervisor"], "it": ["admin"]}
        for username, groups in users.items():
            idp.admin_create_user(
                UserPoolId=pool,
                Username=username,
                UserAttributes=[{"Name": "name", "Value": username.title()}],
            )
            for group in groups:
                idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)

        accounts = CognitoDirectory(pool, idp).operators()

    assert accounts == [
        OperatorAccount(username="lead", name="Lead", groups=["operator", "supervisor"]),
        OperatorAccount(username="operator1", name="Operator1", groups=["operator"]),
    ]

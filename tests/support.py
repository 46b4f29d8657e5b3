"""Shared test helpers: events built from events/, a Lambda context, moto tables, a settable clock."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from core.tables import TABLES
from local.aws import create_table

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


def load_event(relative: str) -> dict[str, Any]:
    """A sample event from events/, as a fresh dict the test may change."""
    data: dict[str, Any] = json.loads((EVENTS / relative).read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def apigw_event(
    name: str,
    *,
    incident_id: str | None = None,
    body: Any = ...,
    query: dict[str, str] | None = None,
    username: str | None = "operator1",
    groups: str = "operator",
) -> dict[str, Any]:
    """An API Gateway REST proxy event from events/apigw/<name>.json, aimed at `incident_id`, with
    another body or query, or as another user (username=None: no authorizer claims)."""
    event = load_event(f"apigw/{name}.json")
    if incident_id is not None and event.get("pathParameters", {}).get("incident_id"):
        old = event["pathParameters"]["incident_id"]
        event["pathParameters"]["incident_id"] = incident_id
        event["path"] = event["path"].replace(old, incident_id)
        event["requestContext"]["path"] = event["requestContext"]["path"].replace(old, incident_id)
    if body is not ...:
        event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    if query is not None:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    if username is None:
        event["requestContext"].pop("authorizer", None)
    else:
        claims = event["requestContext"].setdefault("authorizer", {}).setdefault("claims", {})
        claims["cognito:username"] = username
        claims["cognito:groups"] = groups
    return event


def connect_event(
    name: str = "contact-flow", *, contact_id: str | None = None, caller: Any = ...
) -> dict[str, Any]:
    """A Connect event from events/connect/<name>.json for another contact or caller (None: withheld)."""
    event = load_event(f"connect/{name}.json")
    data = event["Details"]["ContactData"]
    if contact_id is not None:
        data["ContactId"] = data["InitialContactId"] = contact_id
    if caller is not ...:
        data["CustomerEndpoint"] = None if caller is None else {"Address": caller, "Type": "TELEPHONE_NUMBER"}
        event["Details"]["Parameters"] = {}
    return event


def response_json(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


@dataclass
class FakeLambdaContext:
    function_name: str = "respon112-test-function"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-1:123456789012:function:respon112-test-function"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/respon112-test-function"
    log_stream_name: str = "2026/11/29/[$LATEST]0123456789abcdef"
    remaining_ms: int = 5000  # what get_remaining_time_in_millis answers: the invocation's time left

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 29, 3, 40, 13, 123000, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def create_tables(prefix: str = "respon112-test") -> dict[str, str]:
    """Create every table of core.tables in the active moto mock; returns env var -> table name."""
    ddb = boto3.client("dynamodb")
    names = {}
    for design in TABLES:
        name = design.physical_name(prefix)
        create_table(ddb, design, name)
        names[design.env_var] = name
    return names

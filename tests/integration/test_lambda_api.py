"""The local Lambda Invoke API through boto3's lambda client, as Connect, scripts and `sam local` users
call it: by function name, with Lambda's invocation types and error reporting."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.aws import client
from local.config import ACCOUNT_ID
from local.simulator import ApiClient, connect_event
from tests.integration.helpers import queue_items, wait_for


@pytest.fixture(scope="module")
def lambda_client(endpoints: dict[str, Any]) -> Any:
    return client("lambda", endpoints["lambda"], endpoints["region"])


def sqs_record(body: str, message_id: str | None = None) -> dict[str, Any]:
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": "AQEB-local",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795924813123",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1795924813124",
        },
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:ap-southeast-1:{ACCOUNT_ID}:respon112-local-dispatch",
        "awsRegion": "ap-southeast-1",
    }


def test_invoke_intake_connect_by_name_returns_the_string_map(lambda_client: Any) -> None:
    response = lambda_client.invoke(
        FunctionName="intake-connect", Payload=json.dumps(connect_event("+6281234567890")).encode()
    )

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    answer = json.loads(response["Payload"].read())
    assert set(answer) == {
        "incidentId",
        "incidentStatus",
        "callerKnown",
        "repeatInvocation",
        "callerStanding",
        "recentPranks",
        "majorIncident",  # "false": none active (test_major_incidents.py declares one)
    }
    assert all(isinstance(value, str) for value in answer.values())
    assert answer["incidentStatus"] == "RECEIVED"
    assert answer["callerKnown"] == "true"


def test_invoke_by_the_functions_arn(lambda_client: Any, endpoints: dict[str, Any]) -> None:
    """Lambda takes a name, a partial ARN or an ARN. The ARN here is the one the local stack gives the
    function itself (context.invoked_function_arn)."""
    name = f"respon112-{endpoints['stage']}-intake-connect"
    arn = f"arn:aws:lambda:{endpoints['region']}:{ACCOUNT_ID}:function:{name}"

    response = lambda_client.invoke(
        FunctionName=arn, Payload=json.dumps(connect_event("+6281234567890")).encode()
    )

    assert response["StatusCode"] == 200
    assert json.loads(response["Payload"].read())["incidentStatus"] == "RECEIVED"


def test_unknown_function_is_resource_not_found(lambda_client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName="no-such-function", Payload=b"{}")

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert isinstance(raised.value, lambda_client.exceptions.ResourceNotFoundException)
    assert "no-such-function" in raised.value.response["Error"]["Message"]


def test_payload_that_is_not_json_is_invalid_request_content(lambda_client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName="intake-connect", Payload=b"{not json")

    assert raised.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_event_invocation_is_accepted_and_runs(lambda_client: Any, operator1: ApiClient) -> None:
    contact_id = str(uuid.uuid4())

    response = lambda_client.invoke(
        FunctionName="intake-connect",
        InvocationType="Event",
        Payload=json.dumps(connect_event("+6281234567890", contact_id)).encode(),
    )

    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    ours = wait_for(
        lambda: [i for i in queue_items(operator1, "RECEIVED") if i["contactId"] == contact_id],
        timeout=15,
        what=f"an incident for contact {contact_id}",
    )
    assert len(ours) == 1
    assert ours[0]["channel"] == "VOICE"


def test_dry_run_is_204_and_runs_nothing(lambda_client: Any, operator1: ApiClient) -> None:
    contact_id = str(uuid.uuid4())

    response = lambda_client.invoke(
        FunctionName="intake-connect",
        InvocationType="DryRun",
        Payload=json.dumps(connect_event("+6281234567890", contact_id)).encode(),
    )

    assert response["StatusCode"] == 204
    assert contact_id not in [i["contactId"] for i in queue_items(operator1, "RECEIVED")]


def test_handler_error_is_an_unhandled_function_error(lambda_client: Any) -> None:
    """Every record of the batch is invalid: Powertools' batch processor raises BatchProcessingError."""
    event = {"Records": [sqs_record("not json"), sqs_record(json.dumps({"incidentId": "nope"}))]}

    response = lambda_client.invoke(FunctionName="dispatch-worker", Payload=json.dumps(event).encode())

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "BatchProcessingError"
    assert error["errorMessage"]
    assert isinstance(error["stackTrace"], list)


def test_partial_batch_failure_names_only_the_bad_record(
    lambda_client: Any, endpoints: dict[str, Any]
) -> None:
    """One record for a RECEIVED incident (refused, not retried: success) and one that is not a dispatch
    request: only the second comes back in batchItemFailures."""
    answer = json.loads(
        lambda_client.invoke(
            FunctionName="intake-connect", Payload=json.dumps(connect_event("+6281234567890")).encode()
        )["Payload"].read()
    )
    good = sqs_record(json.dumps({"incidentId": answer["incidentId"], "version": 1}))
    bad = sqs_record("{}")
    event = {"Records": [good, bad]}

    response = lambda_client.invoke(FunctionName="dispatch-worker", Payload=json.dumps(event).encode())

    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {
        "batchItemFailures": [{"itemIdentifier": bad["messageId"]}]
    }

"""core.agents: an Amazon Connect agent's username (the operator's in Cognito) from DescribeUser, asked once
per agent and warm container; an agent of another instance or a failing Connect names nobody."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from core.agents import ConnectAgents

INSTANCE_ID = "9d1f0a3e-6c4b-4f57-8d3c-2b7a5e1f0c11"
INSTANCE = f"arn:aws:connect:ap-southeast-1:123456789012:instance/{INSTANCE_ID}"
AGENT = "14c2e23e-14be-5070-9208-9fe232d2d9ca"
AGENT_ARN = f"{INSTANCE}/agent/{AGENT}"


@pytest.fixture
def stubbed() -> Iterator[tuple[ConnectAgents, Stubber]]:
    client = boto3.client("connect", region_name="ap-southeast-1")
    with Stubber(client) as stubber:
        yield ConnectAgents(INSTANCE, client), stubber
        stubber.assert_no_pending_responses()


def test_an_agent_is_its_username_asked_once(stubbed: tuple[ConnectAgents, Stubber]) -> None:
    agents, stubber = stubbed
    stubber.add_response(
        "describe_user",
        {"User": {"Id": AGENT, "Username": "operator3"}},
        {"InstanceId": INSTANCE_ID, "UserId": AGENT},
    )
    assert agents.username(AGENT_ARN) == "operator3"
    assert agents.username(AGENT_ARN) == "operator3"  # no second call: the stubber holds only one


def test_an_agent_of_another_instance_is_not_asked_about(stubbed: tuple[ConnectAgents, Stubber]) -> None:
    agents, _ = stubbed
    other = AGENT_ARN.replace(INSTANCE_ID, "00000000-6c4b-4f57-8d3c-2b7a5e1f0c11")
    assert agents.username(other) is None
    assert agents.username("not an arn") is None


def test_a_failing_connect_names_nobody_and_is_asked_again_later(
    stubbed: tuple[ConnectAgents, Stubber],
) -> None:
    agents, stubber = stubbed
    stubber.add_client_error("describe_user", "ThrottlingException", http_status_code=429)
    stubber.add_client_error("describe_user", "ResourceNotFoundException", http_status_code=404)
    stubber.add_response("describe_user", {"User": {"Id": AGENT, "Username": "operator3"}})
    assert agents.username(AGENT_ARN) is None
    assert agents.username(AGENT_ARN) is None
    assert agents.username(AGENT_ARN) == "operator3"


@pytest.mark.parametrize("username", ["x" * 129, "y" * 200])
def test_a_username_of_no_operator_names_nobody(
    stubbed: tuple[ConnectAgents, Stubber], username: str
) -> None:
    agents, stubber = stubbed
    stubber.add_response("describe_user", {"User": {"Id": AGENT, "Username": username}})
    assert agents.username(AGENT_ARN) is None

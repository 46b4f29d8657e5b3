"""Amazon Connect's agents as the operators they are (an adapter: Connect's DescribeUser).

An operator has one account in Cognito (the panel) and one agent in Amazon Connect (the softphone) with
the same username: that is how they are paired (docs/callbacks.md). A contact event names the agent by
ARN; DescribeUser gives its username. Usernames do not change, so each agent is asked about once per warm
container. Locally there is no Connect API: the local stack stands in for DescribeUser
(local/standins.py), reached through AWS_ENDPOINT_URL_CONNECT like any AWS endpoint.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.observability import logger

_AGENT_ARN = re.compile(r"^arn:[^:]+:connect:[^:]+:\d{12}:instance/([\w-]{1,64})/agent/([\w-]{1,64})$")
# A username in neither system is longer than this (Connect allows 100 characters, Cognito 128).
_MAX_USERNAME = 128
# Fail fast: an unresolved agent leaves the call's record without a username, and the next event of the
# call (or a retry) asks again.
_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 2})


class ConnectAgents:
    """AgentDirectory on Amazon Connect: the username of an agent of this deployment's instance."""

    def __init__(self, instance_arn: str, client: Any | None = None) -> None:
        self._instance_id = instance_arn.rsplit("instance/", 1)[-1]
        self._client = client or boto3.client("connect", config=_CONFIG)
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()

    def username(self, agent_arn: str) -> str | None:
        match = _AGENT_ARN.fullmatch(agent_arn)
        if match is None or match.group(1) != self._instance_id:
            return None  # not an agent of our instance: IAM would refuse the call anyway
        agent_id = match.group(2)
        with self._lock:
            if agent_id in self._known:
                return self._known[agent_id]
        try:
            user = self._client.describe_user(InstanceId=self._instance_id, UserId=agent_id)["User"]
        except (ClientError, BotoCoreError):
            logger.warning(
                "Connect agent not resolved to an operator", extra={"agent_id": agent_id}, exc_info=True
            )
            return None
        username = user.get("Username")
        if not isinstance(username, str) or not 0 < len(username) <= _MAX_USERNAME:
            return None
        with self._lock:
            self._known[agent_id] = username
        return username

"""A large signed delivery on a stack of its own: Meta batches up to 1,000 messages in one POST and waits
20 seconds for the answer (formats.md §4, §7). Every message must become exactly one incident, with one
reply, whether the delivery is answered on the first attempt or Meta sends it again.

intake-web registers what fits in its time and hands the rest to the backlog queue, which
`intake-backlog` drains (docs/decisions.md §26). The stack is fresh so that the embedded DynamoDB's
cost per write, which grows with the table (moto copies it for every transaction), does not depend on
what other tests stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from local.config import CREDENTIALS
from local.simulator import ApiClient, outbox
from tests.integration.helpers import SERVE_ARGS, queue_items, running_stack, wait_for
from tests.integration.test_channels import instagram_delivery, meta_signature, tag

MESSAGES = 300
# Generous: the embedded DynamoDB takes tens of milliseconds a write here (about a second a write would
# still pass); the answer itself must come within the function's 10 s, or the gateway answers 5xx.
DRAINED_TIMEOUT = 300.0
API_GATEWAY_TIMEOUT = 29.0  # what API Gateway waits for a function before answering 504


@pytest.fixture(scope="module")
def fresh_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state_dir: Path = tmp_path_factory.mktemp("delivery-stack")
    with running_stack(state_dir, *SERVE_ARGS) as endpoints:
        yield endpoints


def post_signed(endpoints: dict[str, Any], body: bytes) -> requests.Response:
    signature = meta_signature(body, endpoints["secrets"]["instagramAppSecret"])
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    return requests.post(
        f"{endpoints['api']}/webhooks/instagram", data=body, headers=headers, timeout=API_GATEWAY_TIMEOUT
    )


def waiting(endpoints: dict[str, Any], queue_id: str) -> int:
    """Messages on a queue of the stack, visible or being processed."""
    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoints["aws"],
        region_name=endpoints["region"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    attributes = sqs.get_queue_attributes(
        QueueUrl=endpoints["resources"]["queues"][queue_id],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def drained(endpoints: dict[str, Any]) -> bool:
    return waiting(endpoints, "backlog") == 0 and waiting(endpoints, "replies") == 0


def registered(api: ApiClient, marker: str) -> Counter[str]:
    """How many incidents each message (by its text) became."""
    return Counter(item["report"] for item in queue_items(api) if marker in (item.get("report") or ""))


@pytest.mark.timeout(2 * DRAINED_TIMEOUT + 60)  # two deliveries drained, each within DRAINED_TIMEOUT
def test_a_delivery_of_300_messages_is_registered_once_each_with_one_reply(
    fresh_stack: dict[str, Any],
) -> None:
    endpoints, api = fresh_stack, ApiClient(fresh_stack, "operator1")
    marker = tag()
    messages = [(f"6104{n:012d}", f"bulk.{marker}.{n}", f"Pesan {n} ({marker})") for n in range(MESSAGES)]
    body = instagram_delivery(messages)

    first = post_signed(endpoints, body)

    assert first.status_code == 200, first.text[:500]
    answer = first.json()
    assert len(answer["incidents"]) + answer["queued"] == MESSAGES
    wait_for(lambda: drained(endpoints), DRAINED_TIMEOUT, "the backlog and replies drained")
    assert registered(api, marker) == Counter({text: 1 for _, _, text in messages})

    again = post_signed(endpoints, body)  # Meta's retry, had our answer been lost

    assert again.status_code == 200, again.text[:500]
    wait_for(lambda: drained(endpoints), DRAINED_TIMEOUT, "the redelivery's backlog drained")
    assert registered(api, marker) == Counter({text: 1 for _, _, text in messages})
    replies = Counter(m["recipient"] for m in outbox(endpoints) if m["recipient"].startswith("6104"))
    assert replies == Counter({sender: 1 for sender, _, _ in messages})

"""agency.delivery.lambda_handler: a batch of deliveries, each reported on its own (partial failures)."""

from __future__ import annotations

import json
from typing import Any

from agency.delivery import lambda_handler
from core.agency_channels import DeliveryFailed
from core.agency_delivery import DeliveryRequest
from tests.support import FakeLambdaContext, load_event


class Recording:
    """An AgencyDelivery that records the requests, failing for one post."""

    def __init__(self, failing_post: str | None = None) -> None:
        self.seen: list[DeliveryRequest] = []
        self.failing_post = failing_post

    def deliver(self, request: DeliveryRequest) -> list[str]:
        self.seen.append(request)
        if request.post_id == self.failing_post:
            raise DeliveryFailed("endpoint down")
        return ["sent"]


def failures(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def test_every_delivery_of_the_batch_is_handled() -> None:
    delivery = Recording()
    event = load_event("sqs/agency-deliveries-batch.json")

    response = lambda_handler(event, FakeLambdaContext(), delivery=delivery)

    assert failures(response) == []
    assert [(r.post_id, r.change, r.contact.value) for r in delivery.seen] == [
        ("damkar-genteng", "dispatch", "POST"),
        ("polsek-genteng", "escalation-1", "ESCALATION"),
    ]


def test_a_failed_delivery_alone_comes_back_and_a_malformed_one_is_kept() -> None:
    delivery = Recording(failing_post="damkar-genteng")
    event = load_event("sqs/agency-deliveries-batch.json")
    invalid = load_event("sqs/agency-deliveries-batch-invalid.json")["Records"]
    event["Records"] += invalid

    response = lambda_handler(event, FakeLambdaContext(), delivery=delivery)

    first = event["Records"][0]["messageId"]
    assert failures(response) == [first, invalid[0]["messageId"]]  # retried, then the dead-letter queue
    assert json.loads(event["Records"][1]["body"])["postId"] == "polsek-genteng"
    assert len(delivery.seen) == 2  # the malformed one never reached the delivery

"""DynamoIncidentRepository under contention, with botocore's Stubber: moto never cancels a transaction
for a TransactionConflict (another transaction holding the same items), which DynamoDB does when two
operators, or a Connect retry and its first attempt, write at the same moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from core import lifecycle
from core.errors import ConcurrentModification
from core.ids import new_ulid
from core.models import Channel, Incident, Status
from core.repository import DynamoIncidentRepository, incident_item

TABLE = "respon112-test-incidents"
NOW = datetime(2026, 11, 29, 3, 40, 13, tzinfo=UTC)


def received() -> Incident:
    return Incident(
        id=new_ulid(int(NOW.timestamp() * 1000)),
        status=Status.RECEIVED,
        channel=Channel.VOICE,
        caller="+6281234567890",
        contact_id="4a9e29d5-a37b-40e0-8a0a-dfe15b1f1193",
        created_by="system:intake",
        received_at=NOW,
        updated_at=NOW,
        version=1,
    )


def cancelled(*codes: str, item: dict[str, Any] | None = None) -> dict[str, Any]:
    """What add_client_error needs for a TransactionCanceledException with these reason codes."""
    reasons: list[dict[str, Any]] = [{"Code": code} for code in codes]
    if item is not None:
        reasons[-1]["Item"] = item
    return {
        "service_error_code": "TransactionCanceledException",
        "service_message": f"Transaction cancelled, please refer cancellation reasons {list(codes)}",
        "http_status_code": 400,
        "modeled_fields": {"CancellationReasons": reasons},
    }


@pytest.fixture
def stubbed() -> Iterator[tuple[DynamoIncidentRepository, Stubber]]:
    client = boto3.client("dynamodb", region_name="ap-southeast-1")
    with Stubber(client) as stubber:
        yield DynamoIncidentRepository(TABLE, client), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.repository.time.sleep", lambda _: None)


# -- a state change (commit) ------------------------------------------------------------------------


def test_a_transaction_conflict_is_retried_and_the_change_committed(
    stubbed: tuple[DynamoIncidentRepository, Stubber],
) -> None:
    repo, stubber = stubbed
    change = lifecycle.claim(received(), "operator1", NOW)
    stubber.add_client_error("transact_write_items", **cancelled("TransactionConflict", "None"))
    stubber.add_response("transact_write_items", {})

    assert repo.commit(change) == change.incident


def test_a_conflict_that_lasts_is_a_lost_race_not_an_error(
    stubbed: tuple[DynamoIncidentRepository, Stubber],
) -> None:
    repo, stubber = stubbed
    change = lifecycle.claim(received(), "operator1", NOW)
    for _ in range(3):
        stubber.add_client_error("transact_write_items", **cancelled("TransactionConflict", "None"))

    with pytest.raises(ConcurrentModification):
        repo.commit(change)


def test_a_failed_version_condition_is_a_lost_race_at_once(
    stubbed: tuple[DynamoIncidentRepository, Stubber],
) -> None:
    repo, stubber = stubbed
    change = lifecycle.claim(received(), "operator2", NOW)
    stubber.add_client_error("transact_write_items", **cancelled("ConditionalCheckFailed", "None"))

    with pytest.raises(ConcurrentModification):
        repo.commit(change)


def test_another_cancellation_is_not_mistaken_for_a_race(
    stubbed: tuple[DynamoIncidentRepository, Stubber],
) -> None:
    repo, stubber = stubbed
    stubber.add_client_error("transact_write_items", **cancelled("ValidationError", "None"))

    with pytest.raises(ClientError):
        repo.commit(lifecycle.claim(received(), "operator1", NOW))


# -- registering (create with a dedupe key) -------------------------------------------------------------


def test_a_retry_racing_its_first_attempt_waits_and_returns_the_first_incident(
    stubbed: tuple[DynamoIncidentRepository, Stubber],
) -> None:
    """Connect retried while the first invocation's transaction still held the dedupe item: the retry
    conflicts, tries again, finds the dedupe item taken, and answers with the first incident."""
    repo, stubber = stubbed
    first, retry = received(), received()
    stubber.add_client_error("transact_write_items", **cancelled("None", "None", "TransactionConflict"))
    stubber.add_client_error(
        "transact_write_items",
        **cancelled("None", "None", "ConditionalCheckFailed", item={"incident_id": {"S": first.id}}),
    )
    stubber.add_response("get_item", {"Item": incident_item(first)})

    stored, created = repo.create(retry, dedupe_key=f"CONNECT#{first.contact_id}")

    assert (stored, created) == (first, False)


def test_a_dedupe_conflict_that_lasts_is_raised_for_connect_to_retry(
    stubbed: tuple[DynamoIncidentRepository, Stubber],
) -> None:
    repo, stubber = stubbed
    for _ in range(3):
        stubber.add_client_error("transact_write_items", **cancelled("None", "None", "TransactionConflict"))

    with pytest.raises(ClientError):
        repo.create(received(), dedupe_key="CONNECT#4a9e29d5")

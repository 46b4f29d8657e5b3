"""core.ratelimit.RateLimiter over the repository's request counters (in memory and DynamoDB on moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from moto import mock_aws
from mypy_boto3_dynamodb import DynamoDBClient

from core.ratelimit import RateLimit, RateLimiter
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.tables import INCIDENTS
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock, create_tables

# The test clock starts at 2026-11-29T03:40:13.123Z: 13 s into a one-minute window, 613 s into a ten-minute
# window aligned on the epoch (03:30:00 - 03:40:00 - 03:50:00).
MINUTE = RateLimit(limit=3, window_seconds=60)


@pytest.fixture
def limiter(repo: InMemoryIncidentRepository, clock: Clock) -> RateLimiter:
    return RateLimiter(repo, MINUTE, clock)


def test_the_clock_starts_where_these_tests_assume() -> None:
    assert Clock()() == datetime(2026, 11, 29, 3, 40, 13, 123000, tzinfo=UTC)


def test_a_client_may_send_limit_requests_per_window(limiter: RateLimiter) -> None:
    assert [limiter.allow("203.0.113.7") for _ in range(3)] == [True, True, True]


def test_the_next_request_is_refused_and_so_are_later_ones(limiter: RateLimiter) -> None:
    for _ in range(3):
        limiter.allow("203.0.113.7")

    assert limiter.allow("203.0.113.7") is False
    assert limiter.allow("203.0.113.7") is False


def test_clients_are_counted_separately(limiter: RateLimiter) -> None:
    for _ in range(3):
        limiter.allow("203.0.113.7")

    assert limiter.allow("198.51.100.9") is True
    assert limiter.allow("203.0.113.7") is False


def test_the_next_window_starts_afresh(limiter: RateLimiter, clock: Clock) -> None:
    for _ in range(4):
        limiter.allow("203.0.113.7")
    clock.advance(seconds=46)  # 03:40:59.123: still this window
    assert limiter.allow("203.0.113.7") is False

    clock.advance(seconds=1)  # 03:41:00.123: the next one

    assert [limiter.allow("203.0.113.7") for _ in range(4)] == [True, True, True, False]


def test_the_window_is_fixed_not_sliding(limiter: RateLimiter, clock: Clock) -> None:
    clock.advance(seconds=40)  # 03:40:53: three requests at the end of one window…
    assert [limiter.allow("203.0.113.7") for _ in range(3)] == [True, True, True]
    clock.advance(seconds=10)  # 03:41:03: …and three at the start of the next are all allowed

    assert [limiter.allow("203.0.113.7") for _ in range(3)] == [True, True, True]


def test_retry_after_is_the_time_to_the_windows_end(limiter: RateLimiter, clock: Clock) -> None:
    assert limiter.retry_after_seconds == 47  # 03:40:13 -> 03:41:00
    clock.advance(seconds=30)
    assert limiter.retry_after_seconds == 17  # 03:40:43 -> 03:41:00
    clock.advance(seconds=17)
    assert limiter.retry_after_seconds == 60  # 03:41:00, a whole new window


def test_retry_after_for_the_default_ten_minute_window(
    repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    limiter = RateLimiter(repo, RateLimit(), clock)

    assert limiter.retry_after_seconds == 587  # 03:40:13 -> 03:50:00


def test_the_window_label_is_its_start(
    limiter: RateLimiter, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    limiter.allow("203.0.113.7")

    start = int(datetime(2026, 11, 29, 3, 40, tzinfo=UTC).timestamp())
    assert repo.counters == {("203.0.113.7", f"WINDOW#{start}"): 1}


# -- DynamoDB (moto) -------------------------------------------------------------------------------------


@pytest.fixture
def dynamo() -> Iterator[tuple[DynamoIncidentRepository, DynamoDBClient, str]]:
    with mock_aws():
        table = create_tables()[INCIDENTS.env_var]
        client = dynamodb_client()
        yield DynamoIncidentRepository(table, client), client, table


def rate_item(client: DynamoDBClient, table: str, ip: str, window: str) -> dict[str, object]:
    response = client.get_item(
        TableName=table, Key={"pk": {"S": f"RATE#{ip}"}, "sk": {"S": window}}, ConsistentRead=True
    )
    return dict(response["Item"])


def test_count_request_counts_and_sets_expires_at(
    dynamo: tuple[DynamoIncidentRepository, DynamoDBClient, str],
) -> None:
    repo, client, table = dynamo

    counts = [repo.count_request("203.0.113.7", "WINDOW#1795837200", 1795838400) for _ in range(3)]

    assert counts == [1, 2, 3]
    item = rate_item(client, table, "203.0.113.7", "WINDOW#1795837200")
    assert item["count"] == {"N": "3"}
    assert item["expires_at"] == {"N": "1795838400"}
    assert item["kind"] == {"S": "RATE"}


def test_count_request_keeps_the_first_expiry(
    dynamo: tuple[DynamoIncidentRepository, DynamoDBClient, str],
) -> None:
    repo, client, table = dynamo

    repo.count_request("203.0.113.7", "WINDOW#1795837200", 1795838400)
    repo.count_request("203.0.113.7", "WINDOW#1795837200", 1795839999)

    assert rate_item(client, table, "203.0.113.7", "WINDOW#1795837200")["expires_at"] == {"N": "1795838400"}


def test_count_request_counts_clients_and_windows_apart(
    dynamo: tuple[DynamoIncidentRepository, DynamoDBClient, str],
) -> None:
    repo, _, _ = dynamo

    repo.count_request("203.0.113.7", "WINDOW#1795837200", 1795838400)
    repo.count_request("203.0.113.7", "WINDOW#1795837200", 1795838400)

    assert repo.count_request("198.51.100.9", "WINDOW#1795837200", 1795838400) == 1
    assert repo.count_request("203.0.113.7", "WINDOW#1795837800", 1795839000) == 1


def test_the_limiter_on_dynamodb(
    dynamo: tuple[DynamoIncidentRepository, DynamoDBClient, str], clock: Clock
) -> None:
    repo, client, table = dynamo
    limiter = RateLimiter(repo, MINUTE, clock)

    assert [limiter.allow("203.0.113.7") for _ in range(4)] == [True, True, True, False]
    start = int(datetime(2026, 11, 29, 3, 40, tzinfo=UTC).timestamp())
    item = rate_item(client, table, "203.0.113.7", f"WINDOW#{start}")
    assert item["count"] == {"N": "4"}
    assert item["expires_at"] == {"N": str(start + 120)}  # kept for two windows, then DynamoDB's TTL

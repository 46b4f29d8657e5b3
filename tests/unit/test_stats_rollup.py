"""stats-rollup on the embedded DynamoDB: incidents walked through their lifecycle, the table's stream read
as Lambda reads it and delivered in batches, then again (redelivery) and backwards; the aggregates equal
a recomputation from the incidents themselves. No Scan anywhere: the recomputation reads each incident."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from core import lifecycle
from core.errors import ConcurrentModification
from core.ids import new_ulid
from core.intervals import measure
from core.lifecycle import Verification
from core.models import (
    Agency,
    CallRecord,
    Category,
    Channel,
    Incident,
    Location,
    Priority,
    Rejection,
    RejectionReason,
    Status,
)
from core.regency import REGENCIES
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.rollups import Contribution, Rollup
from core.stats_store import DynamoAggregates, DynamoIncidentItems
from core.tables import INCIDENTS, STATS
from stats.rollup import lambda_handler
from tests.support import FakeLambdaContext, create_tables, load_event

T0 = datetime(2026, 11, 29, 3, 40, 13, 123000, tzinfo=UTC)
BANYUWANGI = REGENCIES["banyuwangi"]


@dataclass
class World:
    repo: DynamoIncidentRepository
    aggregates: DynamoAggregates
    rollup: Rollup
    table: str
    ids: list[str]


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        names = create_tables()
        client = dynamodb_client()
        table = names[INCIDENTS.env_var]
        aggregates = DynamoAggregates(names[STATS.env_var], client)
        rollup = Rollup(DynamoIncidentItems(table, client), aggregates, BANYUWANGI)
        yield World(DynamoIncidentRepository(table, client), aggregates, rollup, table, [])


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def register(world: World, number: int, channel: Channel) -> Incident:
    received = at(number * 600)  # ten minutes apart: several hours
    incident = Incident(
        id=new_ulid(int(received.timestamp() * 1000)),
        status=Status.RECEIVED,
        channel=channel,
        caller="+6281234567890",
        created_by="system:intake",
        received_at=received,
        updated_at=received,
        version=1,
    )
    world.repo.create(incident)
    world.ids.append(incident.id)
    if channel is Channel.VOICE:
        world.repo.project_call(
            incident.id,
            CallRecord(
                contact_id=f"contact-{number}",
                initiated_at=received - timedelta(seconds=3),
                answered_at=received + timedelta(seconds=number % 25),
                updated_at=received,
            ),
        )
    return incident


def populate(world: World) -> None:
    for number in range(18):
        channel = Channel.VOICE if number % 3 else Channel.WEB
        incident = register(world, number, channel)
        now = incident.received_at
        if number % 6 == 5:
            world.repo.commit(
                lifecycle.abandon(incident, "system:contact-events", 12, now + timedelta(seconds=30))
            )
            continue
        incident = world.repo.commit(lifecycle.claim(incident, "operator1", now + timedelta(seconds=40)))
        if number % 6 == 1:
            rejection = Rejection(reason=RejectionReason.PRANK)
            world.repo.commit(lifecycle.reject(incident, "operator1", rejection, now + timedelta(seconds=90)))
        elif number % 6 == 2:
            world.repo.commit(lifecycle.mark_silent(incident, "operator1", None, now + timedelta(seconds=70)))
        elif number % 6 in (0, 3):
            verification = Verification(
                Category.FIRE, Priority.P1, Location(district="Genteng"), "Rumah terbakar", (Agency.DAMKAR,)
            )
            incident = world.repo.commit(
                lifecycle.verify(incident, "operator1", verification, now + timedelta(seconds=100))
            )
            incident = world.repo.commit(
                lifecycle.dispatch(
                    incident, {Agency.DAMKAR: "m-1"}, "system:dispatch", now + timedelta(seconds=104)
                )
            )
            if number % 6 == 3:
                dispatches = world.repo.get_detail(incident.id).dispatches
                world.repo.commit(
                    lifecycle.acknowledge(
                        incident, dispatches, Agency.DAMKAR, "agency:DAMKAR", now + timedelta(seconds=200)
                    )
                )


def stream_records(table: str) -> list[dict[str, Any]]:
    """Every record of the table's stream, as Lambda would hand them over (oldest first)."""
    # moto answers on the regional endpoint only, not on the account's that botocore picks for an ARN
    streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
    arn = boto3.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    records: list[dict[str, Any]] = []
    while True:
        response = streams.get_records(ShardIterator=iterator, Limit=100)
        if not response["Records"]:
            return records
        records.extend(response["Records"])
        iterator = response["NextShardIterator"]


def deliver(records: list[dict[str, Any]], rollup: Rollup, batch: int) -> None:
    for start in range(0, len(records), batch):
        result = lambda_handler(
            {"Records": records[start : start + batch]}, FakeLambdaContext(), rollup=rollup
        )
        assert result == {"batchItemFailures": []}


def recomputed(world: World) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """The aggregates, computed again from each incident as the API shows it."""
    hours: dict[str, Counter[str]] = {}
    days: dict[str, Counter[str]] = {}
    for incident_id in world.ids:
        detail = world.repo.get_detail(incident_id).model_dump(mode="json")
        measured = measure(detail, detail["dispatches"], detail["call"])
        assert measured is not None
        contribution = Contribution.of(measured, BANYUWANGI)
        hours.setdefault(contribution.hour, Counter()).update(contribution.counts)
        days.setdefault(contribution.day, Counter()).update(contribution.counts)
    return hours, days


def stored(world: World) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    def nonzero(periods: list[tuple[str, Any]]) -> dict[str, Counter[str]]:
        return {key: Counter({n: v for n, v in counts.items() if v}) for key, counts in periods}

    return nonzero(world.aggregates.hours("0000", "9999")), nonzero(world.aggregates.days("0000", "9999"))


def test_the_aggregates_equal_a_recomputation_from_the_incidents(world: World) -> None:
    populate(world)
    records = stream_records(world.table)
    assert len(records) > 100  # every change of every item, audit entries included

    deliver(records, world.rollup, batch=7)
    expected = recomputed(world)
    assert stored(world) == expected
    assert sum(counts["n"] for counts in expected[0].values()) == 18
    assert sum(counts["outcome:prank"] for counts in expected[1].values()) == 3

    deliver(records, world.rollup, batch=100)  # redelivered
    deliver(list(reversed(records)), world.rollup, batch=13)  # and out of order
    assert stored(world) == expected


def test_a_later_change_replaces_the_incidents_contribution(world: World) -> None:
    incident = register(world, 0, Channel.WEB)
    deliver(stream_records(world.table), world.rollup, batch=10)
    claimed = world.repo.commit(lifecycle.claim(incident, "operator2", at(50)))
    world.repo.commit(lifecycle.reject(claimed, "operator2", Rejection(reason=RejectionReason.PRANK), at(90)))
    deliver(stream_records(world.table), world.rollup, batch=10)

    (hour,) = stored(world)[0].values()
    assert hour["n"] == 1
    assert hour["outcome:prank"] == 1
    assert hour["outcome:open"] == 0
    assert hour["operator:operator2"] == 1
    assert hour["arrivalToClaim:60"] == 1
    (row,) = world.aggregates.rows("2026-11")  # its line in the month's export, replaced too
    assert (row["incidentId"], row["outcome"], row["operator"], row["arrivalToClaim"]) == (
        incident.id,
        "prank",
        "operator2",
        50,
    )
    assert row["caller"] == "+62812******90"


def test_a_replace_from_a_stale_contribution_is_refused(world: World) -> None:
    register(world, 0, Channel.WEB)
    contribution = world.rollup.current(world.ids[0])
    assert contribution is not None
    world.aggregates.replace(world.ids[0], contribution, None)

    with pytest.raises(ConcurrentModification):
        world.aggregates.replace(world.ids[0], contribution, None)
    stale = world.aggregates.contribution(world.ids[0])
    assert stale is not None
    world.aggregates.replace(world.ids[0], None, stale)
    with pytest.raises(ConcurrentModification):
        world.aggregates.replace(world.ids[0], contribution, stale)
    assert stored(world)[0] == {contribution.hour: Counter()}  # nothing counted twice, nothing left


@pytest.mark.parametrize("sample", ["incident-stream", "incident-stream-invalid"])
def test_the_sample_events_change_nothing_they_should_not(world: World, sample: str) -> None:
    # the valid sample names an incident this table does not hold, and a rate counter; the invalid one
    # keys too long, of the wrong type, or none
    result = lambda_handler(load_event(f"dynamodb/{sample}.json"), FakeLambdaContext(), rollup=world.rollup)

    assert result == {"batchItemFailures": []}
    assert stored(world) == ({}, {})


def test_a_failing_incident_is_reported_by_its_record(world: World) -> None:
    class Failing(Rollup):
        def update(self, incident_id: str) -> bool:
            raise RuntimeError("DynamoDB is away")

    event = load_event("dynamodb/incident-stream.json")
    result = lambda_handler(event, FakeLambdaContext(), rollup=Failing(*world.rollup.ports))

    assert result == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][0]["dynamodb"]["SequenceNumber"]}]
    }

"""A test day of 1,500 incidents with a known distribution of outcomes and intervals, rolled up as the
stream would deliver it (earlier states first, every change twice), read back through GET /stats: the
counts are exact, and so are the shares and the percentiles at the buckets' edges."""

from __future__ import annotations

import csv
import io
import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.incidents import IncidentService
from core.intervals import BUCKET_EDGES
from core.regency import REGENCIES
from core.report import COLUMNS
from core.rollups import Rollup
from infra.definitions import ROOT
from tests.fakes import FakeDirectory, InMemoryAggregates, InMemoryIncidentItems
from tests.support import FakeLambdaContext, apigw_event, load_event, response_json
from verify.api import lambda_handler

DAY_START = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)  # 29 November, 00:00 WIB
OUTCOMES = {  # outcome -> (how many, status, rejection reason, flags)
    "verified": (600, "CLOSED", None, []),
    "prank": (300, "REJECTED", "PRANK", []),
    "silent": (150, "REJECTED", "SILENT", ["SILENT"]),
    "non-emergency": (150, "REJECTED", "NON_EMERGENCY", []),
    "duplicate": (75, "REJECTED", "DUPLICATE", []),
    "attached": (45, "ATTACHED", None, []),
    "abandoned": (105, "REJECTED", "UNREACHABLE", ["ABANDONED"]),
    "unreachable": (45, "REJECTED", "UNREACHABLE", ["CALLER_UNKNOWN"]),
    "open": (30, "IN_REVIEW", None, []),
}
ANSWER_TIMES = (3, 7.5, 12, 15, 15.001, 18, 20, 25, 40, 95)  # seconds, cycled over the answered calls
CHANNELS = ("VOICE",) * 8 + ("WEB", "INSTAGRAM")
DISTRICTS = ("Genteng", "Rogojampi", "Glagah", "Banyuwangi", "Muncar")


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Day:
    """The simulated day and what it must count, computed here without the code under test."""

    def __init__(self) -> None:
        rng = random.Random(15)
        outcomes = [name for name, (n, *_) in OUTCOMES.items() for _ in range(n)]
        rng.shuffle(outcomes)
        self.final: list[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]] = []
        self.early: list[dict[str, Any]] = []
        self.expected: Counter[str] = Counter()
        self.answers: list[float] = []
        self.dispatch_times: list[float] = []
        self.hours: Counter[str] = Counter()
        self.categories: Counter[str] = Counter()
        for number, name in enumerate(outcomes):
            _, status, reason, flags = OUTCOMES[name]
            received = DAY_START + timedelta(seconds=number * 57)  # spread over the day
            channel = CHANNELS[number % len(CHANNELS)]
            district = DISTRICTS[number % len(DISTRICTS)]
            incident_id = f"01KB{number:022d}"
            call = None
            start = received
            if channel == "VOICE":
                start = received - timedelta(seconds=2)
                if name != "abandoned":
                    answer = ANSWER_TIMES[len(self.answers) % len(ANSWER_TIMES)]
                    self.answers.append(answer)
                    call = {"initiated_at": iso(start), "answered_at": iso(start + timedelta(seconds=answer))}
                else:
                    call = {"initiated_at": iso(start)}
            claimed = received + timedelta(seconds=rng.randint(5, 60))
            item: dict[str, Any] = {
                "id": incident_id,
                "status": status,
                "channel": channel,
                "received_at": iso(received),
                "flags": flags,
                "location": {"district": district},
            }
            if number % 3 == 0:
                item["caller"] = "+6281234567890"
            self.early.append(dict(item, status="RECEIVED", flags=[]))
            if name != "abandoned":
                item |= {"claimed_at": iso(claimed), "assigned_to": f"operator{number % 3 + 1}"}
            if reason:
                item["rejection"] = {"reason": reason}
            dispatches: list[dict[str, Any]] = []
            if name == "verified":
                dispatched = claimed + timedelta(seconds=rng.randint(30, 400))
                item |= {
                    "category": "FIRE" if number % 2 else "MEDICAL",
                    "verified_at": iso(claimed + timedelta(seconds=20)),
                    "dispatched_at": iso(dispatched),
                    "closed_at": iso(dispatched + timedelta(hours=1)),
                }
                self.categories[item["category"]] += 1
                self.dispatch_times.append(round((dispatched - start).total_seconds(), 3))
                dispatches = [{"acknowledged_at": iso(dispatched + timedelta(seconds=45))}]
            self.final.append((item, dispatches, call))
            self.expected[f"outcome:{name}"] += 1
            self.expected[f"channel:{channel}"] += 1
            self.expected[f"district:{district}"] += 1
            self.hours[received.strftime("%Y-%m-%dT%H:00:00Z")] += 1


def nearest_rank_edge(values: list[float], fraction: float) -> int:
    value = sorted(values)[math.ceil(fraction * len(values)) - 1]
    return next(edge for edge in BUCKET_EDGES if value <= edge)


@pytest.fixture(scope="module")
def day() -> Day:
    return Day()


@pytest.fixture(scope="module")
def aggregates(day: Day) -> InMemoryAggregates:
    items, aggregates = InMemoryIncidentItems(), InMemoryAggregates()
    rollup = Rollup(items, aggregates, REGENCIES["banyuwangi"])
    for early in day.early:  # as first registered
        items.put(early)
        rollup.update(early["id"])
    for incident, dispatches, call in day.final:  # every later change, delivered twice
        items.put(incident, dispatches, call)
        assert rollup.update(incident["id"]) is True
        assert rollup.update(incident["id"]) is False
    return aggregates


def get_stats(
    aggregates: InMemoryAggregates, service: IncidentService, query: dict[str, str]
) -> tuple[int, Any]:
    event = apigw_event("get-stats", query=query, username="supervisor", groups="supervisor")
    response = lambda_handler(
        event, FakeLambdaContext(), service=service, directory=FakeDirectory(), stats=aggregates
    )
    return response["statusCode"], response_json(response)


def test_the_days_counts_are_exact(
    day: Day, aggregates: InMemoryAggregates, service: IncidentService
) -> None:
    status, stats = get_stats(
        aggregates,
        service,
        {"from": "2026-11-29T00:00:00+07:00", "to": "2026-11-30T00:00:00+07:00", "by": "day"},
    )

    assert status == 200
    assert (stats["from"], stats["to"], stats["by"]) == (
        "2026-11-28T17:00:00.000Z",
        "2026-11-29T17:00:00.000Z",
        "day",
    )
    assert [p["period"] for p in stats["series"]] == ["2026-11-29"]
    total = stats["total"]
    assert total["incidents"] == 1500
    assert total["byOutcome"] == {
        k.split(":")[1]: v for k, v in day.expected.items() if k.startswith("outcome:")
    }
    assert total["byChannel"] == {
        k.split(":")[1]: v for k, v in day.expected.items() if k.startswith("channel:")
    }
    assert total["byDistrict"] == {
        k.split(":")[1]: v for k, v in day.expected.items() if k.startswith("district:")
    }
    assert total["prankShare"] == 300 / 1500
    assert total["silentShare"] == 150 / 1500
    assert sum(total["byOperator"].values()) == 1500
    assert total["byOperator"]["NONE"] == 105  # the abandoned calls nobody claimed


def test_answer_times_against_the_standard_and_percentiles_at_bucket_edges(
    day: Day, aggregates: InMemoryAggregates, service: IncidentService
) -> None:
    _, stats = get_stats(
        aggregates, service, {"from": "2026-11-28T17:00:00Z", "to": "2026-11-29T17:00:00Z", "by": "hour"}
    )
    total = stats["total"]
    answered = len(day.answers)
    within_15 = sum(a <= 15 for a in day.answers)
    within_20 = sum(a <= 20 for a in day.answers)

    assert total["answerTime"]["calls"] == answered
    assert [
        (t["withinSeconds"], t["answered"], t["targetShare"]) for t in total["answerTime"]["targets"]
    ] == [
        (15, within_15, 0.9),
        (20, within_20, 0.95),
    ]
    assert total["answerTime"]["targets"][0]["share"] == within_15 / answered
    assert (
        total["answerTime"]["targets"][0]["met"] is False
    )  # only 4 in 10 of these calls were answered within 15 s
    ring = total["intervals"]["ringToAnswer"]
    assert ring["count"] == answered
    assert ring["p50Seconds"] == nearest_rank_edge(day.answers, 0.5)
    assert ring["p90Seconds"] == nearest_rank_edge(day.answers, 0.9)
    dispatch = total["intervals"]["arrivalToDispatch"]
    assert dispatch["count"] == len(day.dispatch_times) == 600
    assert dispatch["p50Seconds"] == nearest_rank_edge(day.dispatch_times, 0.5)
    assert dispatch["p90Seconds"] == nearest_rank_edge(day.dispatch_times, 0.9)
    assert sum(c["count"] for c in total["dispatchByCategory"].values()) == 600
    assert {p["period"]: p["incidents"] for p in stats["series"]} == dict(day.hours)


def test_any_range_of_hours_sums_the_same_way(
    day: Day, aggregates: InMemoryAggregates, service: IncidentService
) -> None:
    _, stats = get_stats(
        aggregates, service, {"from": "2026-11-29T01:30:00Z", "to": "2026-11-29T04:00:00Z", "by": "hour"}
    )

    assert stats["from"] == "2026-11-29T01:00:00.000Z"  # widened to whole hours
    assert stats["total"]["incidents"] == sum(
        n for hour, n in day.hours.items() if "2026-11-29T01" <= hour < "2026-11-29T04"
    )


@pytest.mark.parametrize(
    "query",
    [
        {"from": "yesterday", "to": "2026-11-29T17:00:00Z"},
        {"from": "2026-11-29T00:00:00", "to": "2026-11-29T17:00:00Z"},  # no zone
        {"from": "2026-11-29T17:00:00Z", "to": "2026-11-29T00:00:00Z"},  # backwards
        {"from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "by": "hour"},  # too many hours
        {"from": "2026-11-29T00:00:00Z", "to": "2026-11-29T17:00:00Z", "by": "week"},
    ],
)
def test_a_range_it_cannot_answer_is_a_422(
    query: dict[str, str], aggregates: InMemoryAggregates, service: IncidentService
) -> None:
    status, body = get_stats(aggregates, service, query)
    assert status == 422, body


def test_only_supervisors_see_the_statistics(
    aggregates: InMemoryAggregates, service: IncidentService
) -> None:
    event = apigw_event("get-stats")  # operator1
    response = lambda_handler(
        event, FakeLambdaContext(), service=service, directory=FakeDirectory(), stats=aggregates
    )
    assert response["statusCode"] == 403


def test_the_months_report_and_its_csv(
    day: Day, aggregates: InMemoryAggregates, service: IncidentService
) -> None:
    report_event = load_event("apigw/monthly-report.json")
    csv_event = load_event("apigw/monthly-csv.json")

    def call(event: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = lambda_handler(
            event, FakeLambdaContext(), service=service, directory=FakeDirectory(), stats=aggregates
        )
        return response

    report = response_json(call(report_event))
    assert (report["month"], report["from"], report["to"]) == (
        "2026-11",
        "2026-10-31T17:00:00.000Z",
        "2026-11-30T17:00:00.000Z",
    )
    assert report["summary"]["incidents"] == 1500
    assert report["summary"]["prankShare"] == 0.2
    assert [d["name"] for d in report["topDistricts"]] == sorted(DISTRICTS)  # 300 each: by name
    assert [(c["name"], c["incidents"]) for c in report["topCategories"]] == day.categories.most_common()

    response = call(csv_event)
    assert response["statusCode"] == 200
    headers = response["multiValueHeaders"]
    assert headers["Content-Type"] == ["text/csv; charset=utf-8"]
    assert headers["Content-Disposition"] == ['attachment; filename="respon112-2026-11.csv"']
    rows = list(csv.DictReader(io.StringIO(response["body"])))
    assert len(rows) == 1500
    assert list(rows[0]) == [name for name, _ in COLUMNS]
    assert Counter(row["outcome"] for row in rows) == Counter(
        {k.split(":")[1]: v for k, v in day.expected.items() if k.startswith("outcome:")}
    )
    callers = {row["caller"] for row in rows}
    assert callers == {"", "'+62812******90"}  # masked, and kept from running as a formula
    answered = sorted(float(row["ringToAnswer"]) for row in rows if row["ringToAnswer"])
    assert answered == sorted(round(a, 1) for a in day.answers)
    first = rows[0]
    assert first["receivedAt"] == "2026-11-29T00:00:00+07:00"


def test_every_column_of_the_export_is_documented() -> None:
    text = (ROOT / "docs" / "stats.md").read_text(encoding="utf-8")
    for name, description in COLUMNS:
        assert f"| `{name}` | {description} |" in text, name

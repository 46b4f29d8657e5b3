"""Hourly and daily aggregates of the incidents, kept up to date as incidents change (docs/stats.md).

An incident contributes counters to the hour (UTC) and the day (the regency's) it arrived in: one for the
incident, one per dimension (channel, category, kecamatan, outcome, operator) and, per interval, one in
the histogram bucket its duration falls in. Each incident's last applied contribution is stored; when the
incident changes, the aggregates receive the difference between its new contribution and that one, in the
same transaction that replaces it, conditional on its revision. A redelivered or repeated change makes no
difference at all, so the aggregates are exactly the sum of the incidents' current contributions: any
count, share or percentile (at bucket edges) over any range of hours or days is computed from them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from core.errors import ConcurrentModification
from core.intervals import BUCKETS, OVERFLOW, Interval, Measured, Outcome, bucket, measure
from core.models import Category, Channel
from core.observability import mask_phone
from core.regency import Regency

TOTAL = "n"
NONE = "NONE"  # the dimension is not known (no category yet, no kecamatan, nobody claimed it)
OTHER = "OTHER"  # a value outside the known ones: counted, never a new counter per hostile string
_USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
DIMENSIONS = ("channel", "category", "district", "outcome", "operator")

Counts = Mapping[str, int]


def hour_key(moment: datetime) -> str:
    """The UTC hour, e.g. 2026-12-04T03: Indonesia's zones are whole hours off UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def day_key(moment: datetime, regency: Regency) -> str:
    """The regency's calendar day."""
    return regency.local_time(moment)[0].strftime("%Y-%m-%d")


def _known(value: str | None, known: Iterable[str]) -> str:
    if value is None:
        return NONE
    return value if value in set(known) else OTHER


def dimensions(measured: Measured, regency: Regency) -> dict[str, str]:
    district = measured.district and (regency.canonical_district(measured.district) or OTHER)
    operator = measured.operator
    return {
        "channel": _known(measured.channel, Channel),
        "category": _known(measured.category, Category),
        "district": district or NONE,
        "outcome": measured.outcome.value,
        "operator": NONE if operator is None else operator if _USERNAME.match(operator) else OTHER,
    }


def counter(dimension: str, value: str) -> str:
    return f"{dimension}:{value}"


def histogram_counter(interval: Interval, bucket: str) -> str:
    return f"{interval.value}:{bucket}"


def category_histogram_counter(category: str, bucket: str) -> str:
    return f"{Interval.ARRIVAL_TO_DISPATCH.value}@{category}:{bucket}"


def month_key(moment: datetime, regency: Regency) -> str:
    """The regency's calendar month, e.g. 2026-11."""
    return regency.local_time(moment)[0].strftime("%Y-%m")


Row = Mapping[str, str | float]


def export_row(measured: Measured, regency: Regency) -> dict[str, str | float]:
    """The incident's line in the monthly export (core/report.py says what each column holds); what is
    not known is left out, as it is in storage."""
    local, _ = regency.local_time(measured.received_at)
    dims = dimensions(measured, regency)
    row: dict[str, str | float | None] = {
        "incidentId": measured.incident_id,
        "receivedAt": local.isoformat(timespec="seconds"),
        "channel": dims["channel"],
        "category": dims["category"],
        "priority": measured.priority if measured.priority in ("P1", "P2", "P3") else None,
        "district": dims["district"],
        "outcome": dims["outcome"],
        "operator": dims["operator"],
        "caller": mask_phone(measured.caller) if measured.caller else None,
    }
    for interval, seconds in measured.intervals.items():
        row[interval.value] = round(seconds, 1)
    return {name: value for name, value in row.items() if value is not None}


@dataclass(frozen=True)
class Contribution:
    """What one incident adds to its hour and its day, and its line in its month's export."""

    hour: str
    day: str
    counts: Counts
    month: str = ""
    row: Row = field(default_factory=dict)

    @classmethod
    def of(cls, measured: Measured, regency: Regency) -> Contribution:
        counts: dict[str, int] = {TOTAL: 1}
        dims = dimensions(measured, regency)
        for dimension, value in dims.items():
            counts[counter(dimension, value)] = 1
        for interval, seconds in measured.intervals.items():
            counts[histogram_counter(interval, bucket(seconds))] = 1
        # Time to dispatch per category too: the one interval the dashboard splits by a dimension.
        dispatch_time = measured.intervals.get(Interval.ARRIVAL_TO_DISPATCH)
        if dispatch_time is not None:
            category = dims["category"]
            counts[category_histogram_counter(category, bucket(dispatch_time))] = 1
        return cls(
            hour_key(measured.received_at),
            day_key(measured.received_at, regency),
            counts,
            month_key(measured.received_at, regency),
            export_row(measured, regency),
        )


def difference(new: Counts | None, old: Counts | None) -> dict[str, int]:
    """new - old, without the counters that do not change."""
    delta: Counter[str] = Counter(new or {})
    delta.subtract(old or {})
    return {name: value for name, value in delta.items() if value}


# -- the ports the rollup works with -----------------------------------------------------------------


class IncidentItems(Protocol):
    def read(
        self, incident_id: str
    ) -> tuple[Mapping[str, Any] | None, list[Mapping[str, Any]], Mapping[str, Any] | None]:
        """The incident's stored attributes, its dispatches' and its call's (None when absent)."""
        ...


@dataclass(frozen=True)
class Stored:
    contribution: Contribution
    revision: int


class PeriodCounts(Protocol):
    """The counters of each hour (UTC, 2026-12-04T03) or day (the regency's, 2026-12-04) in a range,
    both ends included; periods without incidents may be absent."""

    def hours(self, first: str, last: str) -> list[tuple[str, Counts]]: ...

    def days(self, first: str, last: str) -> list[tuple[str, Counts]]: ...


class MonthRows(Protocol):
    def rows(self, month: str) -> list[Row]:
        """Every incident's export line of the regency's month (2026-11), in id order."""
        ...


class Readings(PeriodCounts, MonthRows, Protocol):
    """What verify-api reads of the statistics."""


class Aggregates(PeriodCounts, MonthRows, Protocol):
    def contribution(self, incident_id: str) -> Stored | None: ...

    def replace(
        self, incident_id: str, new: Contribution | None, old: Stored | None
    ) -> None:  # ConcurrentModification when `old` is no longer the stored one
        ...


class Rollup:
    """Brings an incident's contribution up to date. Reads the incident as it is now, so a stream record
    however old, repeated or out of order leads to the same aggregates."""

    _ATTEMPTS = 3

    def __init__(self, incidents: IncidentItems, aggregates: Aggregates, regency: Regency) -> None:
        self._incidents = incidents
        self._aggregates = aggregates
        self._regency = regency

    @property
    def ports(self) -> tuple[IncidentItems, Aggregates, Regency]:
        return self._incidents, self._aggregates, self._regency

    def current(self, incident_id: str) -> Contribution | None:
        incident, dispatches, call = self._incidents.read(incident_id)
        measured = measure(incident, dispatches, call) if incident is not None else None
        return None if measured is None else Contribution.of(measured, self._regency)

    def update(self, incident_id: str) -> bool:
        """True when the aggregates changed."""
        for attempt in range(self._ATTEMPTS):
            new = self.current(incident_id)
            old = self._aggregates.contribution(incident_id)
            if old is not None and old.contribution == new:
                return False
            if old is None and new is None:
                return False
            try:
                self._aggregates.replace(incident_id, new, old)
                return True
            except ConcurrentModification:
                if attempt == self._ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


# -- reading the aggregates back -----------------------------------------------------------------------


def total(periods: Iterable[Counts]) -> Counter[str]:
    summed: Counter[str] = Counter()
    for counts in periods:
        summed.update(counts)
    return summed


def histogram(counts: Counts, interval: Interval) -> dict[str, int]:
    return {b: int(counts.get(histogram_counter(interval, b), 0)) for b in BUCKETS}


def dispatch_histograms(counts: Counts) -> dict[str, dict[str, int]]:
    """Time to dispatch per category: {category: histogram}."""
    found: dict[str, dict[str, int]] = {}
    prefix = f"{Interval.ARRIVAL_TO_DISPATCH.value}@"
    for name, value in counts.items():
        if name.startswith(prefix) and value:
            category, _, b = name[len(prefix) :].rpartition(":")
            found.setdefault(category, dict.fromkeys(BUCKETS, 0))[b] = int(value)
    return dict(sorted(found.items()))


def within(hist: Mapping[str, int], seconds: int) -> int:
    """How many took at most `seconds` (an edge of the buckets: exact)."""
    return sum(n for b, n in hist.items() if b != OVERFLOW and int(b) <= seconds)


def percentile(hist: Mapping[str, int], fraction: float) -> int | None:
    """The nearest-rank percentile, as the upper edge of the bucket it falls in; None when nothing was
    counted or it lies beyond the last edge."""
    count = sum(hist.values())
    if count == 0:
        return None
    rank = max(1, math.ceil(fraction * count))
    seen = 0
    for b in BUCKETS:
        seen += hist.get(b, 0)
        if seen >= rank:
            return None if b == OVERFLOW else int(b)
    return None  # pragma: no cover


def by_dimension(counts: Counts, dimension: str) -> dict[str, int]:
    prefix = f"{dimension}:"
    return {
        name[len(prefix) :]: int(value)
        for name, value in sorted(counts.items())
        if name.startswith(prefix) and value
    }


def outcome_share(counts: Counts, outcome: Outcome) -> float | None:
    n = int(counts.get(TOTAL, 0))
    return None if n == 0 else int(counts.get(counter("outcome", outcome.value), 0)) / n

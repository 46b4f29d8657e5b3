"""GET /stats: the aggregates of a range of hours or days, summed, with the shares and percentiles the
answer-time standard and the regency's reports ask for (docs/stats.md). Pure: the aggregates come in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import Field

from core.errors import InvalidRequest
from core.intervals import BUCKETS, Interval, Outcome
from core.models import CamelModel, Timestamp
from core.regency import Regency
from core.rollups import (
    TOTAL,
    Counts,
    PeriodCounts,
    by_dimension,
    dispatch_histograms,
    histogram,
    outcome_share,
    percentile,
    total,
    within,
)

# NENA's call answering standard (NENA-STA-020): 90 % of calls answered within 15 s, 95 % within 20 s.
ANSWER_STANDARD: tuple[tuple[int, float], ...] = ((15, 0.90), (20, 0.95))
MAX_HOURS = 31 * 24  # a month of hours in one answer
MAX_DAYS = 366


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"


class IntervalSummary(CamelModel):
    count: int = Field(description="Incidents this interval was measured for")
    p50_seconds: int | None = Field(
        description="Median: the upper edge of the bucket it falls in; null when none, or beyond a day"
    )
    p90_seconds: int | None = Field(description="90th percentile, the same way")
    histogram: dict[str, int] = Field(
        description="Count per bucket, keyed by the bucket's upper edge in seconds (a bucket holds the "
        "durations above the previous edge up to its own); 'inf' holds the longer ones"
    )


class AnswerTarget(CamelModel):
    within_seconds: int
    target_share: float = Field(description="NENA's standard: the share that must be answered within")
    answered: int = Field(description="Calls answered within")
    share: float | None = Field(description="answered / calls answered; null when no call was answered")
    met: bool | None


class AnswerTime(CamelModel):
    calls: int = Field(description="Calls answered by a person (ring to answer measured)")
    targets: list[AnswerTarget]


class Summary(CamelModel):
    incidents: int
    by_channel: dict[str, int]
    by_category: dict[str, int] = Field(description="NONE: not categorised (not verified)")
    by_district: dict[str, int] = Field(description="Kecamatan; NONE: unknown, OTHER: not on the list")
    by_outcome: dict[str, int]
    by_operator: dict[str, int] = Field(description="Who holds or decided it; NONE: nobody claimed it")
    prank_share: float | None
    silent_share: float | None
    answer_time: AnswerTime
    intervals: dict[str, IntervalSummary]
    dispatch_by_category: dict[str, IntervalSummary] = Field(
        description="Arrival to dispatch (time to dispatch), per category"
    )


class PeriodSummary(CamelModel):
    period: str = Field(description="The hour (UTC, ISO 8601) or the regency's day (YYYY-MM-DD)")
    incidents: int
    by_outcome: dict[str, int]
    answered_within_15s: int
    calls_answered: int


class Stats(CamelModel):
    from_: Timestamp = Field(alias="from", description="Start of the range counted (inclusive)")
    to: Timestamp = Field(description="End of the range counted (exclusive)")
    by: Granularity
    timezone: str = Field(description="The regency's time zone, in which days are counted")
    total: Summary
    series: list[PeriodSummary] = Field(description="One entry per hour or day that had incidents")


def _interval(hist: Mapping[str, int]) -> IntervalSummary:
    return IntervalSummary(
        count=sum(hist.values()),
        p50_seconds=percentile(hist, 0.5),
        p90_seconds=percentile(hist, 0.9),
        histogram={b: hist.get(b, 0) for b in BUCKETS},
    )


def summarise(counts: Counts) -> Summary:
    answers = histogram(counts, Interval.RING_TO_ANSWER)
    calls = sum(answers.values())
    targets = []
    for seconds, target in ANSWER_STANDARD:
        answered = within(answers, seconds)
        share = answered / calls if calls else None
        targets.append(
            AnswerTarget(
                within_seconds=seconds,
                target_share=target,
                answered=answered,
                share=share,
                met=None if share is None else share >= target,
            )
        )
    return Summary(
        incidents=int(counts.get(TOTAL, 0)),
        by_channel=by_dimension(counts, "channel"),
        by_category=by_dimension(counts, "category"),
        by_district=by_dimension(counts, "district"),
        by_outcome=by_dimension(counts, "outcome"),
        by_operator=by_dimension(counts, "operator"),
        prank_share=outcome_share(counts, Outcome.PRANK),
        silent_share=outcome_share(counts, Outcome.SILENT),
        answer_time=AnswerTime(calls=calls, targets=targets),
        intervals={interval.value: _interval(histogram(counts, interval)) for interval in Interval},
        dispatch_by_category={
            category: _interval(hist) for category, hist in dispatch_histograms(counts).items()
        },
    )


def _period(key: str, counts: Counts) -> PeriodSummary:
    answers = histogram(counts, Interval.RING_TO_ANSWER)
    return PeriodSummary(
        period=f"{key}:00:00Z" if "T" in key else key,
        incidents=int(counts.get(TOTAL, 0)),
        by_outcome=by_dimension(counts, "outcome"),
        answered_within_15s=within(answers, 15),
        calls_answered=sum(answers.values()),
    )


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidRequest(name, "give the time zone (Z or +07:00)", "query")
    return moment.astimezone(UTC)


def statistics(
    aggregates: PeriodCounts,
    regency: Regency,
    start: datetime,
    end: datetime,
    by: Granularity | None = None,
) -> Stats:
    """The range [start, end) widened to whole hours (by hour) or to the regency's whole days (by day)."""
    start, end = _aware(start, "from"), _aware(end, "to")
    if end <= start:
        raise InvalidRequest("to", "must be after from", "query")
    by = by or (Granularity.HOUR if end - start <= timedelta(days=2) else Granularity.DAY)
    periods: Sequence[tuple[str, Counts]]
    if by is Granularity.HOUR:
        first = start.replace(minute=0, second=0, microsecond=0)
        last = (end - timedelta(microseconds=1)).replace(minute=0, second=0, microsecond=0)
        if (last - first) >= timedelta(hours=MAX_HOURS):
            raise InvalidRequest("to", f"at most {MAX_HOURS} hours by hour: ask by=day", "query")
        periods = aggregates.hours(first.strftime("%Y-%m-%dT%H"), last.strftime("%Y-%m-%dT%H"))
        start, end = first, last + timedelta(hours=1)
    else:
        local_start, _ = regency.local_time(start)
        local_end, _ = regency.local_time(end - timedelta(microseconds=1))
        first_day = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
        last_day = local_end.replace(hour=0, minute=0, second=0, microsecond=0)
        if (last_day - first_day) >= timedelta(days=MAX_DAYS):
            raise InvalidRequest("to", f"at most {MAX_DAYS} days", "query")
        periods = aggregates.days(first_day.strftime("%Y-%m-%d"), last_day.strftime("%Y-%m-%d"))
        start, end = first_day.astimezone(UTC), (last_day + timedelta(days=1)).astimezone(UTC)
    summed = total(counts for _, counts in periods)
    return Stats.model_validate(
        {
            "from": start,
            "to": end,
            "by": by,
            "timezone": regency.timezone,
            "total": summarise(summed),
            "series": [_period(key, counts) for key, counts in periods if counts.get(TOTAL)],
        }
    )

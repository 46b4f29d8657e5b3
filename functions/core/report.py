"""The monthly report: every incident of a month as CSV (one row each, intervals in seconds, numbers
masked) and its summary (counts, shares, percentiles, the top kecamatan and categories) as JSON, for the
panel's printable page and a national monitoring feed (docs/stats.md). Pure: rows and counters come in."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field

from core.errors import InvalidRequest
from core.intervals import Interval
from core.models import CamelModel, Timestamp
from core.regency import Regency
from core.rollups import MonthRows, PeriodCounts, Row
from core.statistics import Granularity, Summary, statistics

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
TOP = 5

# The export's columns, in order, and what each holds (docs/stats.md repeats this table).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("incidentId", "the incident's id (ULID)"),
    ("receivedAt", "when it arrived, in the regency's time (ISO 8601 with its offset)"),
    ("channel", "VOICE, WEB, INSTAGRAM, TWITTER, WALK_IN, RADIO, CHAT or OTHER"),
    ("category", "FIRE, CRIME, MEDICAL, TRAFFIC_ACCIDENT, DISASTER, RESCUE, OTHER; NONE if never verified"),
    ("priority", "P1, P2 or P3 once verified; empty otherwise"),
    ("district", "the kecamatan; NONE if unknown, OTHER if not on the regency's list"),
    (
        "outcome",
        "verified, prank, silent, non-emergency, duplicate, attached, cancelled, abandoned, unreachable, "
        "open",
    ),
    ("operator", "who holds or decided it (username); NONE if nobody claimed it"),
    ("caller", "the caller's number, masked (country code, a few digits, the rest as *); empty if unknown"),
    *((interval.value, f"seconds, {description}") for interval, description in (
        (Interval.RING_TO_ANSWER, "the call rang until an operator answered"),
        (Interval.ANSWER_TO_CLAIM, "answered until the incident was claimed"),
        (Interval.ARRIVAL_TO_CLAIM, "a report from another channel arrived until it was claimed"),
        (Interval.CLAIM_TO_VERIFY, "claimed until verified"),
        (Interval.VERIFY_TO_DISPATCH, "verified until every agency was notified"),
        (Interval.DISPATCH_TO_ACKNOWLEDGE, "notified until the first agency confirmed"),
        (Interval.ACKNOWLEDGE_TO_ON_SCENE, "confirmed until the first agency was on scene"),
        (Interval.ON_SCENE_TO_CLOSE, "on scene until closed"),
        (Interval.ARRIVAL_TO_DISPATCH, "the call rang (or the report arrived) until dispatched"),
    )),
)  # fmt: skip
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _cell(value: Any) -> str:
    """A value as a CSV cell; text a spreadsheet would run as a formula (a masked +62… number) is
    prefixed with an apostrophe, as OWASP advises for CSV exports."""
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if isinstance(value, str) and _FORMULA.match(text) else text


def render_csv(rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [name for name, _ in COLUMNS]
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in names])
    return out.getvalue()


class Ranked(CamelModel):
    name: str
    incidents: int


class MonthlyReport(CamelModel):
    month: str = Field(description="The regency's calendar month, YYYY-MM")
    regency: str
    timezone: str
    from_: Timestamp = Field(alias="from", description="The month's start (inclusive)")
    to: Timestamp = Field(description="The next month's start (exclusive)")
    summary: Summary
    top_districts: list[Ranked] = Field(description=f"The {TOP} kecamatan with the most incidents")
    top_categories: list[Ranked] = Field(description=f"The {TOP} categories of verified incidents")


def month_range(month: str, regency: Regency) -> tuple[datetime, datetime]:
    if not re.match(MONTH_PATTERN, month):
        raise InvalidRequest("month", "YYYY-MM", "path")
    year, number = int(month[:4]), int(month[5:])
    noon = datetime(year, number, 1, 12, tzinfo=UTC)  # the 1st in every zone of the world but the far east
    start_local = regency.local_time(noon)[0].replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start_local + timedelta(days=32)).replace(day=1)
    return start_local, following


def _top(counts: Mapping[str, int], skip: Iterable[str] = ()) -> list[Ranked]:
    left_out = set(skip)
    ranked = sorted((-n, name) for name, n in counts.items() if name not in left_out)
    return [Ranked(name=name, incidents=-n) for n, name in ranked[:TOP]]


def monthly_report(counters: PeriodCounts, regency: Regency, month: str) -> MonthlyReport:
    start, end = month_range(month, regency)
    stats = statistics(counters, regency, start, end, Granularity.DAY)
    return MonthlyReport.model_validate(
        {
            "month": month,
            "regency": regency.name,
            "timezone": regency.timezone,
            "from": stats.from_,
            "to": stats.to,
            "summary": stats.total,
            "top_districts": _top(stats.total.by_district, skip=("NONE", "OTHER")),
            "top_categories": _top(stats.total.by_category, skip=("NONE",)),
        }
    )


def month_csv(rows: MonthRows, regency: Regency, month: str) -> str:
    month_range(month, regency)  # refuses what is not a month
    return render_csv(sorted(rows.rows(month), key=lambda row: str(row.get("incidentId", ""))))

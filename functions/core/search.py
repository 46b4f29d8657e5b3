"""Finding past incidents: by caller number, kecamatan, category, outcome and arrival time (docs/stats.md).

Two designed access patterns, never a Scan: a caller's incidents on the `by-caller` index, and every
incident on the `by-day` index, one partition per UTC day of its arrival (the day its ULID encodes). The
range of arrival times becomes a range of ULIDs on the sort key. Kecamatan, category and outcome filter
what those reads return. A page holds what at most `MAX_READS` queries found, so a rare match over a long
range costs several pages, each of bounded work, rather than one unbounded answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import Field

from core.errors import InvalidRequest
from core.intervals import Outcome, outcome
from core.models import CamelModel, Category, Incident, Page

MAX_DAYS = 366
MAX_READS = 8  # queries per page
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ulid_time(ms: int) -> str:
    chars = []
    for _ in range(10):
        chars.append(_CROCKFORD[ms & 0x1F])
        ms >>= 5
    return "".join(reversed(chars))


@dataclass(frozen=True)
class Search:
    """What to look for; `start` inclusive, `end` exclusive, both aware."""

    start: datetime
    end: datetime
    caller: str | None = None  # E.164
    district: str | None = None  # as the regency spells it
    category: Category | None = None
    outcome: Outcome | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidRequest("from", "give the time zone (Z or +07:00)", "query")
        if self.end <= self.start:
            raise InvalidRequest("to", "must be after from", "query")
        if self.end - self.start > timedelta(days=MAX_DAYS):
            raise InvalidRequest("to", f"at most {MAX_DAYS} days", "query")

    def id_bounds(self) -> tuple[str, str]:
        """The smallest and largest ULID made within [start, end)."""
        first = int(self.start.timestamp() * 1000)
        last = max(first, int(self.end.timestamp() * 1000) - 1)
        return _ulid_time(first) + "0" * 16, _ulid_time(last) + "Z" * 16

    def days(self) -> list[str]:
        """The `by-day` partitions of the range, newest first."""
        day = self.end.astimezone(UTC) - timedelta(milliseconds=1)
        first = self.start.astimezone(UTC).date()
        found = []
        while day.date() >= first:
            found.append(f"DAY#{day:%Y-%m-%d}")
            day -= timedelta(days=1)
        return found


class FoundIncident(Incident):
    """An incident as the search lists it: with its outcome, the value the `outcome` filter and the
    statistics use (core/intervals.py `outcome`), so that no client decides it again its own way."""

    outcome: Outcome = Field(description="What became of it, as the statistics count it (docs/stats.md)")

    @classmethod
    def of(cls, incident: Incident) -> FoundIncident:
        return cls.model_validate({**dict(incident), "outcome": outcome(incident.model_dump(mode="json"))})


class SearchPage(CamelModel):
    items: list[FoundIncident]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to get the next page")

    @classmethod
    def of(cls, page: Page) -> SearchPage:
        return cls(
            items=[FoundIncident.of(incident) for incident in page.items], next_cursor=page.next_cursor
        )

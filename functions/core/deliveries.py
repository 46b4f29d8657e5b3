"""A webhook delivery's messages into incidents: what fits in the answer's time now, the rest through the
backlog queue, every one exactly once.

Meta batches up to 1,000 messages in one POST and gives up on an answer after 20 seconds; a register is a
DynamoDB transaction (and a queued reply for Instagram). So the intake registers messages until its
deadline, then hands the others, durably, to the backlog queue that `intake-backlog` drains, and only
then answers 200. If it dies on the way the platform delivers again: each message's own id makes the
second registration return the first incident (no second reply), so nothing is lost or doubled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

from core.incidents import IncidentService, Report
from core.observability import MetricUnit, logger, metrics
from core.replies import Reply, ask_for_location

if TYPE_CHECKING:
    from core.ports import ReplyQueue, ReportBacklog


@dataclass(frozen=True)
class Pending:
    """One message of a delivery, ready to register, and whom to ask where once it is (Instagram)."""

    report: Report
    reply_to: str | None = None


class BacklogMessage(BaseModel):
    """What one message on the backlog queue carries: some reports of one delivery."""

    reports: list[Pending]


@dataclass(frozen=True)
class Registered:
    incidents: list[str]  # the incidents of the messages registered now, in delivery order
    queued: int  # how many messages went to the backlog instead


class BacklogUnavailable(RuntimeError):
    """The rest of a delivery could not be queued: the sender must deliver again."""


class Deadline:
    """A point `seconds` from now on a monotonic clock."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._at = clock() + seconds

    def passed(self) -> bool:
        return self._clock() >= self._at


class DeliveryRegistrar:
    def __init__(
        self, service: IncidentService, replies: ReplyQueue, backlog: ReportBacklog | None = None
    ) -> None:
        self._service = service
        self._replies = replies
        self._backlog = backlog

    def register(self, items: Sequence[Pending], deadline: Deadline) -> Registered:
        """Register messages in order until the deadline, then queue the others (BacklogUnavailable if
        that fails: what was registered stays, and the redelivery registers nothing twice)."""
        incidents: list[str] = []
        for done, item in enumerate(items):
            if deadline.passed() and self._backlog is not None:
                rest = items[done:]
                try:
                    self._backlog.put(rest)
                except Exception as error:
                    logger.exception("delivery not queued", extra={"messages": len(rest)})
                    metrics.add_metric(name="BacklogEnqueueFailed", unit=MetricUnit.Count, value=1)
                    raise BacklogUnavailable(f"{len(rest)} messages could not be queued") from error
                metrics.add_metric(name="ReportsQueued", unit=MetricUnit.Count, value=len(rest))
                return Registered(incidents, len(rest))
            incidents.append(self._register(item))
        return Registered(incidents, 0)

    def register_all(self, items: Sequence[Pending]) -> list[str]:
        """Register every message (the backlog's worker: its queue retries what fails)."""
        return [self._register(item) for item in items]

    def _register(self, item: Pending) -> str:
        # A follow-up from a citizen whose incident is open joins it: no new incident, no second question.
        joined = self._service.conversations.follow_up(item.report) if item.report.sender else None
        if joined is not None:
            return joined.id
        incident, created = self._service.register(item.report)
        if created and item.reply_to:
            reply = Reply(
                channel=item.report.channel,
                recipient=item.reply_to,
                text=ask_for_location(incident.id),
                incident_id=incident.id,
            )
            try:
                self._replies.enqueue(reply)
            except Exception:
                # The incident is stored; only the automatic question is lost, and an operator sees
                # the flag (LOCATION_ASKED) and the channel.
                logger.exception("reply not queued", extra={"incident_id": incident.id})
                metrics.add_metric(name="ReplyEnqueueFailed", unit=MetricUnit.Count, value=1)
        return incident.id

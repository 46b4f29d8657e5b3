"""Escalation: a dispatch nobody confirms does not stay quiet.

At dispatch each incident gets `ack_due_at`, its priority's deadline (the regency's, or ACK_DEADLINES). The
dispatch reconciler, every minute, reads the DISPATCHED incidents through the status index (an incident
leaves that partition when its last agency confirms or it is closed, so it holds exactly what still waits
for a confirmation) and, for each past its deadline with agencies still NOTIFIED, takes the next step:

1. the second contact (`escalation`) of each of their posts is told, the incident is flagged OVERDUE, and
   it gets a second deadline as long as the first;
2. past that one, the regency-level posts of those agency types are told as if dispatched to.

Each step is a conditional write of the incident (its version and its level), so two sweeps, a restart or
a status arriving at the same moment cannot take a step twice; the deliveries are queued before the step
is recorded, and agency-delivery sends each incident x post x change once, so a crash in between only
queues them again. The timeline records every step; a metric (DispatchEscalated) raises an alarm.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from core import lifecycle
from core.agencies import DirectorySnapshot
from core.agency_delivery import Contact, DeliveryRequest
from core.clock import Clock, utc_now
from core.errors import ConcurrentModification, IllegalTransition
from core.models import Incident, Status
from core.observability import MetricUnit, logger, metrics
from core.ports import DeliveryQueue, IncidentRepository

SYSTEM_ESCALATION = "system:escalation"
LAST_LEVEL = 2
MAX_PER_SWEEP = 500  # incidents looked at per run; the next minute's run goes on


class Escalator:
    def __init__(
        self,
        repository: IncidentRepository,
        deliveries: DeliveryQueue,
        directory: Callable[[], DirectorySnapshot],
        deadlines: Mapping[str, int],
        clock: Clock = utc_now,
    ) -> None:
        self._repo = repository
        self._deliveries = deliveries
        self._directory = directory
        self._deadlines = deadlines
        self._now = clock

    def sweep(self, page_size: int = 100) -> list[str]:
        """Take the next step for every DISPATCHED incident past its deadline; the ids escalated."""
        now = self._now()
        escalated: list[str] = []
        cursor: str | None = None
        looked = 0
        while looked < MAX_PER_SWEEP:
            page = self._repo.list_by_status(Status.DISPATCHED, page_size, cursor)
            for incident in page.items:
                looked += 1
                if _due(incident, now) and self._escalate(incident.id, now):
                    escalated.append(incident.id)
            cursor = page.next_cursor
            if cursor is None:
                break
        return escalated

    def _escalate(self, incident_id: str, now: datetime) -> bool:
        detail = self._repo.get_detail(incident_id)
        incident = Incident.model_validate(detail.model_dump(exclude={"timeline", "dispatches", "call"}))
        pending = [d for d in detail.dispatches if d.pending]  # a withdrawn agency is awaited no more
        if not _due(incident, now) or not pending:
            return False
        level = incident.escalation_level + 1
        if level == 1:
            requests = [
                DeliveryRequest(
                    incident_id=incident.id,
                    post_id=post,
                    agency=dispatch.agency,
                    change="escalation-1",
                    contact=Contact.ESCALATION,
                )
                for dispatch in pending
                for post in dispatch.posts
            ]
            seconds = self._deadlines.get(str(incident.priority or "P1"), self._deadlines["P1"])
            next_due: datetime | None = now + timedelta(seconds=seconds)
        else:
            snapshot = self._directory()
            requests = [
                DeliveryRequest(
                    incident_id=incident.id, post_id=post.id, agency=dispatch.agency, change="escalation-2"
                )
                for dispatch in pending
                for post in snapshot.posts_of(dispatch.agency)
                if post.regency_level and post.id not in dispatch.posts
            ]
            next_due = None
        if requests:
            self._deliveries.enqueue(requests)
        notified = [request.post_id for request in requests]
        change = lifecycle.escalate(incident, level, notified, next_due, SYSTEM_ESCALATION, now)
        try:
            self._repo.commit(change)
        except (ConcurrentModification, IllegalTransition):
            # A status, an operator or another sweep changed it first: the next sweep reads it afresh.
            logger.info("escalation lost a race", extra={"incident_id": incident.id, "level": level})
            return False
        metrics.add_metric(name="DispatchEscalated", unit=MetricUnit.Count, value=1)
        logger.warning(
            "dispatch not confirmed in time: escalated",
            extra={"incident_id": incident.id, "level": level, "agencies": [d.agency for d in pending]},
        )
        return True


def _due(incident: Incident, now: datetime) -> bool:
    return (
        incident.status is Status.DISPATCHED
        and incident.ack_due_at is not None
        and incident.ack_due_at <= now
        and incident.escalation_level < LAST_LEVEL
    )

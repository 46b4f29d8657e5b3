"""Forward a verified incident to the agencies that handle it.

Runs in the dispatch worker for each SQS message. Safe to run any number of times for one incident:
an incident already DISPATCHED (or later) is left alone, and the notifier given here must itself be
idempotent per (incident, agency) so a redelivery after a partial failure notifies only the agencies
that were not notified yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from core import lifecycle
from core.agencies import DirectorySnapshot, built_in_snapshot, posts_by_agency
from core.agency_delivery import DeliveryRequest
from core.clock import Clock, utc_now
from core.errors import ConcurrentModification
from core.models import Status
from core.notices import Notice
from core.observability import MetricUnit, logger, metrics
from core.ports import AgencyNotifier, DeliveryQueue, IncidentRepository
from core.regency import DEFAULT_ACK_DEADLINE_SECONDS

SYSTEM_DISPATCH = "system:dispatch"
_DONE = frozenset({Status.DISPATCHED, Status.ACKNOWLEDGED, Status.CLOSED})


class Outcome(StrEnum):
    DISPATCHED = "DISPATCHED"
    ALREADY_DISPATCHED = "ALREADY_DISPATCHED"
    NOT_VERIFIED = "NOT_VERIFIED"


@dataclass(frozen=True)
class DispatchResult:
    incident_id: str
    outcome: Outcome
    agencies: tuple[str, ...] = ()


class Dispatcher:
    def __init__(
        self,
        repository: IncidentRepository,
        notifier: AgencyNotifier,
        clock: Clock = utc_now,
        agencies: Callable[[], DirectorySnapshot] | None = None,
        deliveries: DeliveryQueue | None = None,
        ack_deadlines: Mapping[str, int] = DEFAULT_ACK_DEADLINE_SECONDS,
    ) -> None:
        self._repo = repository
        self._notifier = notifier
        self._now = clock
        self._agencies = agencies or built_in_snapshot  # which type each of the incident's posts is
        self._deliveries = deliveries  # each post on its own channels (agency-delivery)
        self._deadlines = ack_deadlines  # seconds per priority for a post to confirm (escalation)

    def dispatch(self, incident_id: str) -> DispatchResult:
        incident = self._repo.get(incident_id)
        if incident.status in _DONE:
            logger.info("already dispatched", extra={"incident_id": incident_id, "status": incident.status})
            return DispatchResult(incident_id, Outcome.ALREADY_DISPATCHED)
        if incident.status is not Status.VERIFIED:
            # Only a verified (A1) incident is ever forwarded; retrying this message cannot change that.
            logger.error("dispatch requested for an unverified incident",
                         extra={"incident_id": incident_id, "status": incident.status})  # fmt: skip
            metrics.add_metric(name="DispatchRefused", unit=MetricUnit.Count, value=1)
            return DispatchResult(incident_id, Outcome.NOT_VERIFIED)
        message_ids = {agency: self._notifier.notify(incident, agency) for agency in incident.agencies}
        posts = posts_by_agency(self._agencies(), incident)
        if self._deliveries is not None:
            # Queued before the dispatch is recorded: if recording fails, the retry queues them again, and
            # agency-delivery sends each incident x post x change once however often it is queued.
            self._deliveries.enqueue(
                [
                    DeliveryRequest(incident_id=incident.id, post_id=post, agency=agency, change="dispatch")
                    for agency, ids in posts.items()
                    for post in ids
                ]
            )
        now = self._now()
        due = now + timedelta(seconds=self._deadlines[incident.priority or "P1"])
        change = lifecycle.dispatch(incident, message_ids, SYSTEM_DISPATCH, now, posts, ack_due_at=due)
        try:
            self._repo.commit(change)
        except ConcurrentModification:
            # A concurrent delivery of the same request may have recorded it first: that is success.
            if self._repo.get(incident_id).status in _DONE:
                return DispatchResult(incident_id, Outcome.ALREADY_DISPATCHED)
            raise
        metrics.add_metric(name="AgencyNotified", unit=MetricUnit.Count, value=len(message_ids))
        logger.info("dispatched", extra={"incident_id": incident_id, "agencies": list(message_ids)})
        return DispatchResult(incident_id, Outcome.DISPATCHED, tuple(message_ids))

    def forward(self, incident_id: str, notice: Notice) -> int:
        """One delivery request per post the notice reaches (core.notices), each keyed by the change: a
        redelivered notice queues them again, and agency-delivery sends each key once. Only the posts are
        told; the agency-type topic carries dispatches at verification only (decision 58)."""
        if self._deliveries is None:
            raise RuntimeError("Dispatcher needs the delivery queue to forward notices")
        text = notice.text
        requests = [
            DeliveryRequest(
                incident_id=incident_id,
                post_id=post,
                agency=agency,
                change=key,
                text=text,
                changed=notice.changed,
            )
            for post, agency, key in notice.deliveries()
        ]
        if requests:
            self._deliveries.enqueue(requests)
        metrics.add_metric(name="NoticeForwarded", unit=MetricUnit.Count, value=len(requests))
        logger.info(
            "notice forwarded",
            extra={"incident_id": incident_id, "kind": notice.kind, "posts": len(requests)},
        )
        return len(requests)

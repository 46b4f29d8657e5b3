"""Conversations with citizens on Instagram and X (docs/api.md#conversations): a follow-up message from the
same sender while their incident is open joins that incident as one more report, instead of becoming a new
incident that asks them "where?" again (Ushahidi's issue #2343 is the same defect).

The sender's latest incident is kept under `SENDER#<channel>#<platform id>`, written in the transaction
that creates the incident (a day's TTL). A follow-up is a MESSAGE change of that incident, written with the
message's own DEDUPE item in one transaction: the platform's redelivery finds the item and changes nothing
(decision 57). A closed incident, a full list of reports or an incident that keeps changing leave the
message to be registered as an incident of its own, as before: nothing is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core import lifecycle
from core.clock import Clock, utc_now
from core.errors import ConcurrentModification, IncidentNotFound, MessageRepeated
from core.models import MAX_REPORT_TEXT, Action, Incident, IncidentReport, Status
from core.observability import MetricUnit, logger, metrics
from core.ports import IncidentRepository

if TYPE_CHECKING:
    from core.incidents import Report

ATTEMPTS = 3  # an operator's change between our read and our write: read again, this many times


def message_report(report: Report, incident: Incident, now: datetime) -> IncidentReport:
    """The follow-up as one report of the incident: its channel, words, source and message id."""
    return IncidentReport(
        received_at=now,
        channel=report.channel,
        caller=incident.caller,
        text=report.text[:MAX_REPORT_TEXT] if report.text else None,
        location=report.location,
        source=dict(report.source),
        message_id=(report.source.get("messageId") or report.dedupe_key or "")[:128] or None,
        added_at=now,
        added_by=report.actor,
    )


class Conversations:
    def __init__(self, repository: IncidentRepository, clock: Clock = utc_now) -> None:
        self._repo = repository
        self._now = clock

    def follow_up(self, report: Report) -> Incident | None:
        """The open incident the sender's message joined (or had joined already: a redelivery), or None
        when it is to be registered as a new incident (no open incident of theirs, or it cannot take it)."""
        if report.sender is None or report.dedupe_key is None:
            return None
        now = self._now()
        incident_id = self._repo.sender_incident(report.sender, int(now.timestamp()))
        if incident_id is None:
            return None
        try:
            incident = self._open(self._repo.get(incident_id))
            for _ in range(ATTEMPTS):
                if incident is None:
                    return None
                change = lifecycle.add_message(
                    incident, message_report(report, incident, now), report.dedupe_key, now
                )
                if change is None:
                    return None  # its reports are full: a new incident, which the operators will see
                try:
                    joined = self._repo.commit(change)
                except ConcurrentModification:
                    incident = self._open(self._repo.get(incident.id))
                    continue
                metrics.add_metric(name="MessageJoined", unit=MetricUnit.Count, value=1)
                return joined
        except MessageRepeated as repeated:
            return self._repo.get(repeated.incident_id)  # the platform delivered it again
        except IncidentNotFound:
            return None
        logger.warning("follow-up not joined: the incident kept changing", extra={"incident_id": incident_id})
        return None

    def _open(self, incident: Incident) -> Incident | None:
        """The incident a follow-up joins: this one, or the one it was attached to; None once closed."""
        if incident.status is Status.ATTACHED and incident.parent_id:
            incident = self._repo.get(incident.parent_id)
        return incident if Action.MESSAGE in lifecycle.STATE_MACHINE[incident.status] else None

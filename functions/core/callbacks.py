"""The callback desk: the abandoned and silent calls awaiting a call back, oldest first, and what operators
record there (docs/callbacks.md): each attempt and its outcome, a caller reached (into review), a caller
unreachable after the regency's number of failed attempts (closed, REJECTED with reason UNREACHABLE), and a
call an operator marks silent.

Each use case reads the incident, asks core.lifecycle for the change and commits it conditional on the
version it read, with its audit entry: two operators recording at once cannot both win (409), and an
attempt sent again with its client id is the same attempt (decision 23: a retry is not a conflict).
"""

from __future__ import annotations

from pydantic import Field

from core import lifecycle
from core.clock import Clock, utc_now
from core.errors import InvalidRequest
from core.models import (
    CallbackOutcome,
    CamelModel,
    Channel,
    Flag,
    Incident,
    IncidentId,
    RejectionReason,
    Status,
    Timestamp,
)
from core.observability import MetricUnit, metrics
from core.ports import IncidentRepository
from core.regency import Regency

RECENT_INCIDENTS = 5  # a caller's other incidents shown with each desk entry (the by-caller index)


class RecentIncident(CamelModel):
    """Another incident of the same caller, in brief: is this a caller the centre knows?"""

    id: IncidentId
    status: Status
    channel: Channel
    received_at: Timestamp
    rejection_reason: RejectionReason | None = None
    flags: list[Flag] = Field(default_factory=list)


class CallbackEntry(CamelModel):
    """One call on the desk: the incident, how many attempts failed of how many allowed, whether it may be
    closed as unreachable now, and the caller's other recent incidents."""

    incident: Incident
    failed_attempts: int
    attempts_allowed: int = Field(description="The regency's number of failed callbacks before closing")
    may_close_unreachable: bool
    recent_incidents: list[RecentIncident] = Field(
        default_factory=list, description=f"The caller's other latest incidents, at most {RECENT_INCIDENTS}"
    )


class CallbackPage(CamelModel):
    items: list[CallbackEntry]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to get the next page")


class CallbackDesk:
    def __init__(self, repository: IncidentRepository, regency: Regency, clock: Clock = utc_now) -> None:
        self._repo = repository
        self._regency = regency
        self._now = clock

    @property
    def attempts_allowed(self) -> int:
        return self._regency.callback_attempts

    def page(self, limit: int, cursor: str | None = None) -> CallbackPage:
        """One page of the desk, oldest first; each entry with its caller's other recent incidents (one
        Query of the by-caller index per entry that has a number, each bounded)."""
        page = self._repo.list_callbacks(limit, cursor)
        return CallbackPage(
            items=[self._entry(incident) for incident in page.items], next_cursor=page.next_cursor
        )

    def _entry(self, incident: Incident) -> CallbackEntry:
        recent: list[RecentIncident] = []
        if incident.caller:
            for other in self._repo.recent_by_caller(incident.caller, RECENT_INCIDENTS + 1):
                if other.id != incident.id and len(recent) < RECENT_INCIDENTS:
                    recent.append(
                        RecentIncident(
                            id=other.id,
                            status=other.status,
                            channel=other.channel,
                            received_at=other.received_at,
                            rejection_reason=other.rejection.reason if other.rejection else None,
                            flags=list(other.flags),
                        )
                    )
        return CallbackEntry(
            incident=incident,
            failed_attempts=incident.callback.failed_attempts if incident.callback else 0,
            attempts_allowed=self.attempts_allowed,
            may_close_unreachable=lifecycle.may_close_unreachable(incident, self.attempts_allowed),
            recent_incidents=recent,
        )

    def record_attempt(
        self,
        incident_id: str,
        operator: str,
        outcome: CallbackOutcome,
        note: str | None = None,
        client_attempt_id: str | None = None,
    ) -> Incident:
        incident = self._repo.get(incident_id)
        if client_attempt_id and incident.callback:
            sent = [a for a in incident.callback.attempts if a.client_attempt_id == client_attempt_id]
            if sent:
                if (sent[0].by, sent[0].outcome) == (operator, outcome):
                    return incident  # a retry after a lost answer: recorded already
                raise InvalidRequest(
                    "clientAttemptId", "already names another attempt: a new attempt needs a new id"
                )
        change = lifecycle.record_callback(
            incident, operator, outcome, self._now(), note=note, client_attempt_id=client_attempt_id
        )
        recorded = self._repo.commit(change)
        metrics.add_metric(name="CallbackRecorded", unit=MetricUnit.Count, value=1)
        return recorded

    def close_unreachable(self, incident_id: str, operator: str, note: str | None = None) -> Incident:
        incident = self._repo.get(incident_id)
        rejection = incident.rejection
        if rejection and rejection.reason is RejectionReason.UNREACHABLE and incident.assigned_to == operator:
            return incident  # a retry after a lost answer
        change = lifecycle.close_unreachable(incident, operator, self.attempts_allowed, self._now(), note)
        closed = self._repo.commit(change)
        metrics.add_metric(name="IncidentRejectedUnreachable", unit=MetricUnit.Count, value=1)
        return closed

    def mark_silent(self, incident_id: str, operator: str, note: str | None = None) -> Incident:
        incident = self._repo.get(incident_id)
        if Flag.SILENT in incident.flags:
            return incident  # marked already (by this operator's retry, or another's)
        return self._repo.commit(lifecycle.mark_silent(incident, operator, note, self._now()))

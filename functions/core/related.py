"""One emergency, many reports (docs/related.md): the open incidents that are probably the same emergency
as the one under review, and attaching it to one of them (or undoing that).

Suggestions read only the status index, one Query per open status over the last hour, each bounded
(decision 55): a surge of reports is exactly when a Scan would hurt, and an emergency reported an hour
ago is either still open or another emergency. Attaching is one transaction over both incidents,
conditional on both versions (decision 56): a race loses with 409, never half an attach.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum

from pydantic import Field

from core import lifecycle
from core.clock import Clock, utc_now
from core.errors import IllegalTransition, IncidentNotFound, InvalidRequest
from core.models import Action, CamelModel, Incident, Status
from core.observability import MetricUnit, metrics
from core.ports import IncidentRepository

WINDOW = timedelta(minutes=60)  # how far back another report of the same emergency is looked for
NEAR_M = 1000  # "about a kilometre": a market fire seen from both ends of town is still one fire
PER_STATUS = 100  # incidents read per open status: a busy hour in the regency, bounded
MAX_SUGGESTIONS = 10
_EARTH_RADIUS_M = 6_371_000


class MatchReason(StrEnum):
    NEAR = "NEAR"  # points (incident or handset position) within NEAR_M
    SAME_DISTRICT = "SAME_DISTRICT"  # the same kecamatan
    SAME_CALLER = "SAME_CALLER"  # the same number
    SAME_CATEGORY = "SAME_CATEGORY"  # both categorised, the same
    # A supervisor declared it a major incident, and this one lies in its area or is not placed yet
    # (core.major_incidents): it comes first, whatever else matched.
    MAJOR_INCIDENT = "MAJOR_INCIDENT"


class RelatedIncident(CamelModel):
    """An open incident that is probably the same emergency, and why it was suggested."""

    incident: Incident
    reasons: list[MatchReason] = Field(description="Why it matched, strongest first")
    distance_m: int | None = Field(
        default=None, description="Between the nearest two points of the two incidents, metres"
    )
    minutes_apart: int = Field(ge=0, description="Between the two incidents' arrival")
    major_incident_id: str | None = Field(
        default=None, description="The active major incident this one is the parent of (GET /major-incidents)"
    )


class Related(CamelModel):
    """Suggestions for one incident, best first."""

    items: list[RelatedIncident]
    window_minutes: int = Field(description="How far back incidents were looked at")
    near_m: int = Field(description="The distance under which two points count as near")


class AttachResult(CamelModel):
    """Both sides of an attach (or a detach), as they are now."""

    incident: Incident = Field(description="The incident attached (ATTACHED) or detached (IN_REVIEW)")
    parent: Incident = Field(description="The incident whose reports it joined or left")


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two WGS84 points (haversine), metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def points(incident: Incident) -> list[tuple[float, float]]:
    """Every point known for the incident: its location, its handset's position, and its reports'."""
    found: list[tuple[float, float]] = []
    sources = [(incident.location, incident.aml)] + [(r.location, r.aml) for r in incident.reports]
    for location, aml in sources:
        if location is not None and location.lat is not None and location.lon is not None:
            found.append((location.lat, location.lon))
        if aml is not None:
            found.append((aml.lat, aml.lon))
    return found


def _district(incident: Incident) -> str | None:
    return incident.location.district if incident.location else None


def match(subject: Incident, other: Incident) -> RelatedIncident | None:
    """Why `other` may be the same emergency as `subject`, or None when nothing says so. Two categories
    known and different are two emergencies, unless the caller is the same."""
    ours, theirs = points(subject), points(other)
    nearest = min((distance_m(a, b) for a in ours for b in theirs), default=None)
    same_caller = subject.caller is not None and subject.caller == other.caller
    district = _district(subject)
    reasons = [
        *([MatchReason.SAME_CALLER] if same_caller else []),
        *([MatchReason.NEAR] if nearest is not None and nearest <= NEAR_M else []),
        *([MatchReason.SAME_DISTRICT] if district and district == _district(other) else []),
    ]
    if not reasons:
        return None
    if subject.category and other.category:
        if subject.category is not other.category and not same_caller:
            return None
        if subject.category is other.category:
            reasons.append(MatchReason.SAME_CATEGORY)
    apart = abs(subject.received_at - other.received_at)
    return RelatedIncident(
        incident=other,
        reasons=reasons,
        distance_m=None if nearest is None else round(nearest),
        minutes_apart=int(apart.total_seconds() // 60),
    )


def _rank(item: RelatedIncident) -> tuple[int, float, int]:
    """More reasons first; then the nearer; then the closer in time."""
    distance = float("inf") if item.distance_m is None else item.distance_m
    return (-len(item.reasons), distance, item.minutes_apart)


# Puts what must come first ahead of the ranked suggestions (core.major_incidents: an active major
# incident's parent), given the incident they are for.
Lead = Callable[[Incident, list[RelatedIncident]], list[RelatedIncident]]


class RelatedIncidents:
    def __init__(
        self, repository: IncidentRepository, clock: Clock = utc_now, lead: Lead | None = None
    ) -> None:
        self._repo = repository
        self._now = clock
        self._lead = lead

    def suggest(self, incident_id: str) -> Related:
        subject = self._repo.get(incident_id)
        since = self._now() - WINDOW
        found: list[RelatedIncident] = []
        for status in lifecycle.OPEN:
            for other in self._repo.recent_by_status(status, since, PER_STATUS):
                if other.id != subject.id and (related := match(subject, other)) is not None:
                    found.append(related)
        found.sort(key=_rank)
        if self._lead is not None:
            found = self._lead(subject, found)
        return Related(
            items=found[:MAX_SUGGESTIONS], window_minutes=int(WINDOW.total_seconds() // 60), near_m=NEAR_M
        )

    def attach(self, incident_id: str, parent_id: str, operator: str) -> AttachResult:
        """Make the incident part of the open parent: one transaction over both, conditional on both
        versions. Sent again after it succeeded (a lost answer), it changes nothing and answers the same."""
        child = self._repo.get(incident_id)
        parent = self._parent(parent_id)
        if child.status is Status.ATTACHED and child.parent_id == parent_id:
            return AttachResult(incident=child, parent=parent)
        child_change, parent_change = lifecycle.attach(child, parent, operator, self._now())
        attached, grown = self._repo.commit_together([child_change, parent_change])
        metrics.add_metric(name="IncidentAttached", unit=MetricUnit.Count, value=1)
        return AttachResult(incident=attached, parent=grown)

    def detach(self, incident_id: str, supervisor: str, reason: str) -> AttachResult:
        """A supervisor undoes a mistaken attach: the incident back to review (held by them), its report
        off the parent; both audited, in one transaction."""
        child = self._repo.get(incident_id)
        if child.parent_id is None:
            raise IllegalTransition(
                child.id, "detach", child.status.value, lifecycle.allowed_from(Action.DETACH)
            )
        parent = self._repo.get(child.parent_id)
        child_change, parent_change = lifecycle.detach(child, parent, supervisor, reason, self._now())
        detached, shrunk = self._repo.commit_together([child_change, parent_change])
        metrics.add_metric(name="IncidentDetached", unit=MetricUnit.Count, value=1)
        return AttachResult(incident=detached, parent=shrunk)

    def _parent(self, parent_id: str) -> Incident:
        try:
            return self._repo.get(parent_id)
        except IncidentNotFound:
            raise InvalidRequest("parentId", f"no incident {parent_id}") from None

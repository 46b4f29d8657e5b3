"""Major-incident mode (docs/api.md#major-incidents): a supervisor declares that one emergency (the
parent: a market fire, a flood) is drawing many calls, for an area (a kecamatan, or a circle on the map),
with a short message in Bahasa Indonesia.

While it is active:

- every 112 caller hears the message before the queue (the intake answers it to the flow as
  `majorIncidentMessage`; the call still reaches an operator): at intake a call has no position yet (AML
  comes seconds later, or never), so the area cannot choose who hears it (decision 59);
- the parent is suggested first for a new incident in the area (GET /incidents/{id}/related, reason
  MAJOR_INCIDENT), and first too for one whose place is not known yet;
- the panel shows a banner with a one-key attach to the parent.

The active declarations are one item under a fixed key (`MAJOR#ACTIVE`), at most MAX_ACTIVE of them, each
message at most MESSAGE_MAX characters: the intake reads it in the BatchGetItem it makes anyway (the
caller's record), so a call costs no more AWS calls, and a failed read is a call without the message.
Declaring and ending are one transaction each: that item, conditional on its version, with the parent's
audit entry (MAJOR_INCIDENT, MAJOR_INCIDENT_END), conditional on the parent's version: a race answers 409.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

from pydantic import Field, field_validator, model_validator

from core import lifecycle
from core.boundaries import district_at
from core.clock import Clock, utc_now
from core.errors import (
    ConcurrentModification,
    DomainError,
    IllegalTransition,
    IncidentNotFound,
    InvalidRequest,
)
from core.ids import new_ulid
from core.lifecycle import Change
from core.models import Actor, CamelModel, Category, Incident, IncidentId, Status, Timestamp
from core.observability import MetricUnit, logger, metrics
from core.regency import Regency
from core.related import MatchReason, RelatedIncident, distance_m, points

MAX_ACTIVE = 3  # declarations at once: a regency's worst day has one or two emergencies of this size
MESSAGE_MIN, MESSAGE_MAX = 10, 200  # characters: about 30 words, 12 s of speech before the queue
# What the caller hears when several are active, newest first: whole messages up to this many characters.
SPOKEN_MAX = 400
RADIUS_MIN_M, RADIUS_MAX_M = 100, 20_000
REASON_MIN, REASON_MAX = 3, 500
# The parent must be an emergency a person is handling: heard (IN_REVIEW) or verified and on its way. A
# RECEIVED incident nobody has answered yet says nothing a caller should hear about.
DECLARABLE = frozenset({Status.IN_REVIEW, Status.VERIFIED, Status.DISPATCHED, Status.ACKNOWLEDGED})
# A message is read aloud to every caller: letters (any script), digits, spaces and ordinary punctuation.
# No markup, no braces, no "$" (nothing a prompt or a template could read as anything but words).
_SPEAKABLE = re.compile(r"[\w\s.,;:!?'\"()/%+\-]*")
_NOT_SPEAKABLE = re.compile(r"[^\w\s.,;:!?'\"()/%+\-]")

# The message the panel offers, for the supervisor to complete (Bahasa Indonesia: callers hear it).
TEMPLATE = (
    "Kami sudah menerima laporan {what} di {where}. Petugas sedang menuju lokasi. "
    "Jika Anda melaporkan kejadian lain, tetap di saluran."
)


def clean_message(text: str) -> str:
    """The message as callers will hear it: NFC, whitespace collapsed; ValueError when it holds anything
    but speakable characters or is too short or long."""
    cleaned = " ".join(unicodedata.normalize("NFC", text).split())
    if not _SPEAKABLE.fullmatch(cleaned):
        bad = "".join(sorted(set(_NOT_SPEAKABLE.findall(cleaned))))
        raise ValueError(f"only letters, digits, spaces and . , ; : ! ? ' \" ( ) / % + - (not {bad!r})")
    if not MESSAGE_MIN <= len(cleaned) <= MESSAGE_MAX:
        raise ValueError(f"{MESSAGE_MIN} to {MESSAGE_MAX} characters once spaces are collapsed")
    return cleaned


def speakable(text: str) -> str:
    """The intake's own guard over what it read from the table: never raises, drops what may not be said."""
    return " ".join(_NOT_SPEAKABLE.sub(" ", unicodedata.normalize("NFC", text)).split())[:MESSAGE_MAX]


class MajorArea(CamelModel):
    """A kecamatan (`district`), or a circle (`lat`, `lon`, `radiusMeters`): one of the two."""

    district: str | None = Field(default=None, min_length=2, max_length=64, description="A kecamatan")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_meters: int | None = Field(default=None, ge=RADIUS_MIN_M, le=RADIUS_MAX_M)

    @model_validator(mode="after")
    def _one_kind(self) -> MajorArea:
        circle = (self.lat, self.lon, self.radius_meters)
        if self.district is not None and any(v is not None for v in circle):
            raise ValueError("a kecamatan (district) or a circle (lat, lon, radiusMeters), not both")
        if self.district is None and any(v is None for v in circle):
            raise ValueError("a kecamatan (district), or a circle with all of lat, lon and radiusMeters")
        return self

    def covers(self, incident: Incident, regency: Regency) -> bool | None:
        """Whether the incident lies in the area; None when nothing about it says where it is."""
        spots = points(incident)
        if self.district is not None:
            district = incident.location.district if incident.location else None
            if district is None and spots:
                district = district_at(regency, *spots[0])
            if district is None:
                return None
            return district.casefold() == self.district.casefold()
        if self.lat is None or self.lon is None or self.radius_meters is None:  # pragma: no cover - validated
            return None
        if not spots:
            return None
        return any(distance_m((self.lat, self.lon), spot) <= self.radius_meters for spot in spots)

    def words(self) -> str:
        if self.district is not None:
            return f"Kecamatan {self.district}"
        return f"{self.radius_meters} m dari {self.lat:.5f}, {self.lon:.5f}"


class MajorIncident(CamelModel):
    """One active declaration."""

    id: IncidentId = Field(description="The declaration's own id (ULID)")
    parent_id: IncidentId
    area: MajorArea
    message: str = Field(max_length=MESSAGE_MAX, description="What every 112 caller hears before the queue")
    declared_by: Actor
    declared_at: Timestamp
    parent_category: Category | None = Field(default=None, description="As it was when declared")
    parent_summary: str | None = Field(default=None, max_length=500, description="As it was when declared")


class ActiveMajorIncidents(CamelModel):
    """The declarations active now, newest first (at most MAX_ACTIVE)."""

    items: list[MajorIncident] = Field(default_factory=list, max_length=MAX_ACTIVE)
    version: int = Field(default=0, ge=0, description="0: none was ever declared")
    max_active: int = Field(default=MAX_ACTIVE, description="How many may be active at once")

    def spoken(self) -> str | None:
        """What a caller hears: the messages, newest first, whole, up to SPOKEN_MAX characters; None when
        none is active."""
        said: list[str] = []
        for item in self.items:
            message = speakable(item.message)
            if message and len(" ".join([*said, message])) <= SPOKEN_MAX:
                said.append(message)
        return " ".join(said) or None


class DeclareMajorIncident(CamelModel):
    """POST /major-incidents."""

    parent_id: IncidentId = Field(description="The open incident the calls are about")
    area: MajorArea
    message: str = Field(
        min_length=1,
        max_length=MESSAGE_MAX * 2,
        description=f"Bahasa Indonesia, {MESSAGE_MIN}-{MESSAGE_MAX} characters once spaces are collapsed; "
        "letters, digits, spaces and ordinary punctuation only",
    )

    @field_validator("message")
    @classmethod
    def _speakable(cls, value: str) -> str:
        return clean_message(value)


class EndMajorIncident(CamelModel):
    """POST /major-incidents/{id}/end."""

    reason: str = Field(min_length=REASON_MIN, max_length=REASON_MAX, description="Why it ends")

    @field_validator("reason")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        trimmed = " ".join(value.split())
        if len(trimmed) < REASON_MIN:
            raise ValueError(f"at least {REASON_MIN} characters besides spaces")
        return trimmed


class MajorIncidentConflict(ConcurrentModification):
    """Declared for that parent already, or MAX_ACTIVE are active: 409, saying which."""

    def __init__(self, incident_id: str, problem: str) -> None:
        DomainError.__init__(self, problem)
        self.incident_id = incident_id


class MajorIncidentNotActive(IncidentNotFound):
    """No active declaration has this id (it ended, or never was): 404."""

    def __init__(self, major_id: str) -> None:
        DomainError.__init__(self, f"no active major incident {major_id}")
        self.incident_id = major_id


class MajorIncidentStore(Protocol):
    def get(self, incident_id: str) -> Incident: ...

    def major_incidents(self) -> ActiveMajorIncidents: ...

    def save_major_incidents(
        self, active: ActiveMajorIncidents, expected_version: int, change: Change
    ) -> ActiveMajorIncidents: ...


def _details(major: MajorIncident) -> dict[str, str]:
    return {"majorIncidentId": major.id, "area": major.area.words(), "message": major.message}


class MajorIncidents:
    def __init__(self, repository: MajorIncidentStore, regency: Regency, clock: Clock = utc_now) -> None:
        self._repo = repository
        self._regency = regency
        self._now = clock

    def active(self) -> ActiveMajorIncidents:
        return self._repo.major_incidents()

    def declare(self, supervisor: str, request: DeclareMajorIncident) -> MajorIncident:
        """Declare a major incident. The same declaration sent again by the same supervisor (a lost
        answer) answers the one made; another for a parent already declared, or beyond MAX_ACTIVE, is 409."""
        area = request.area
        if area.district is not None:
            district = self._regency.canonical_district(area.district)
            if district is None:
                known = ", ".join(self._regency.districts)
                raise InvalidRequest(
                    "area.district", f"{area.district!r} is not a kecamatan; one of: {known}"
                )
            area = area.model_copy(update={"district": district})
        try:
            parent = self._repo.get(request.parent_id)
        except IncidentNotFound:
            raise InvalidRequest("parentId", f"no incident {request.parent_id}") from None
        active = self._repo.major_incidents()
        for item in active.items:
            if item.parent_id == parent.id:
                if item.declared_by == supervisor and item.message == request.message and item.area == area:
                    return item
                raise MajorIncidentConflict(parent.id, f"a major incident is active for {parent.id} already")
        if parent.status not in DECLARABLE:
            raise IllegalTransition(
                parent.id, "declare a major incident for", parent.status.value, DECLARABLE
            )
        if len(active.items) >= MAX_ACTIVE:
            raise MajorIncidentConflict(
                parent.id, f"{MAX_ACTIVE} major incidents are active already: end one first"
            )
        now = self._now()
        major = MajorIncident(
            id=new_ulid(int(now.timestamp() * 1000)),
            parent_id=parent.id,
            area=area,
            message=request.message,
            declared_by=supervisor,
            declared_at=now,
            parent_category=parent.category,
            parent_summary=parent.summary,
        )
        change = lifecycle.declare_major(parent, supervisor, now, _details(major))
        updated = active.model_copy(update={"items": [major, *active.items], "version": active.version + 1})
        self._repo.save_major_incidents(updated, active.version, change)
        metrics.add_metric(name="MajorIncidentDeclared", unit=MetricUnit.Count, value=1)
        logger.info("major incident declared", extra={"major_incident_id": major.id, "parent_id": parent.id})
        return major

    def end(self, supervisor: str, major_id: str, reason: str) -> MajorIncident:
        """End an active declaration, with why; audited on its parent, whatever the parent's status."""
        active = self._repo.major_incidents()
        major = next((item for item in active.items if item.id == major_id), None)
        if major is None:
            raise MajorIncidentNotActive(major_id)
        parent = self._repo.get(major.parent_id)
        change = lifecycle.end_major(parent, supervisor, reason, self._now(), _details(major))
        left = [item for item in active.items if item.id != major_id]
        self._repo.save_major_incidents(
            active.model_copy(update={"items": left, "version": active.version + 1}), active.version, change
        )
        metrics.add_metric(name="MajorIncidentEnded", unit=MetricUnit.Count, value=1)
        logger.info("major incident ended", extra={"major_incident_id": major.id, "parent_id": parent.id})
        return major

    def lead(self, subject: Incident, found: list[RelatedIncident]) -> list[RelatedIncident]:
        """The suggestions with each active major incident's parent first, when the subject lies in its
        area or nothing says where it is (the reason MAJOR_INCIDENT). Never fails the suggestions: an
        unreadable declaration is logged and the suggestions stay as they were."""
        try:
            active = self._repo.major_incidents()
        except Exception:
            logger.exception("major incidents not read: suggestions without them")
            return found
        leads: list[RelatedIncident] = []
        rest = list(found)
        for major in active.items:
            if subject.id == major.parent_id or major.area.covers(subject, self._regency) is False:
                continue
            known = next((item for item in rest if item.incident.id == major.parent_id), None)
            if known is not None:
                rest.remove(known)
                reasons = [MatchReason.MAJOR_INCIDENT, *known.reasons]
                leads.append(known.model_copy(update={"reasons": reasons, "major_incident_id": major.id}))
                continue
            parent = self._parent(major.parent_id)
            if parent is None or parent.status in lifecycle.TERMINAL:
                continue
            apart = abs(subject.received_at - parent.received_at)
            nearest = min((distance_m(a, b) for a in points(subject) for b in points(parent)), default=None)
            leads.append(
                RelatedIncident(
                    incident=parent,
                    reasons=[MatchReason.MAJOR_INCIDENT],
                    distance_m=None if nearest is None else round(nearest),
                    minutes_apart=int(apart.total_seconds() // 60),
                    major_incident_id=major.id,
                )
            )
        return [*leads, *rest]

    def _parent(self, parent_id: str) -> Incident | None:
        try:
            return self._repo.get(parent_id)
        except IncidentNotFound:
            return None

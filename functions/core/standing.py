"""A caller's standing: what the number's recent calls say about its next one (the prank policy).

Operators verify every report first because of prank calls ("aduan iseng"); the standing lightens that
load without ever blocking an emergency. It is computed, never kept as a verdict: from the number's recent
incidents (their outcomes) and the supervisors' decisions about it (`CallerRecord`), at a moment, under
the regency's `CallerPolicy`. Pure functions: the intake assesses what its one Query returned, the
operators' API what it reads for the caller's history (core.callers).

    NORMAL    nothing to say
    WARNED    `warn_after` strikes in `warn_window_hours`: the flow plays a recorded warning, then queues
    DEMOTED   `demote_after` pranks in `demote_window_days`: queued at a lower priority for `demote_hours`

A PRANK rejection is a strike; a SILENT one (an open line, nobody spoke) weighs `silent_weight` towards
WARNED only, never towards DEMOTED: a silent line is as often a pocket dial, a child or a caller who
cannot speak as a prank. NON_EMERGENCY, DUPLICATE and UNREACHABLE (the callback desk reached nobody:
nobody decided it was a prank) are no strike. Strikes expire with their window. A verified A1 incident
from the number resets it: strikes of calls before it no longer count (nor does a standing a supervisor
imposed before it). A supervisor's lift does the same; a supervisor's imposed standing wins over the
policy until it ends. No standing ever disconnects a call, skips the queue or rejects a report: the flow
queues every call, the operator decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from core.models import (
    Actor,
    AmlFix,
    CamelModel,
    Flag,
    Incident,
    IncidentId,
    RejectionReason,
    Status,
    Timestamp,
)

if TYPE_CHECKING:
    from core.major_incidents import ActiveMajorIncidents

E164_PATTERN = r"^\+[1-9][0-9]{7,14}$"
# Floating strikes (a SILENT weighs a fraction) are compared with this much slack.
_EPSILON = 1e-9


class Standing(StrEnum):
    NORMAL = "NORMAL"
    WARNED = "WARNED"
    DEMOTED = "DEMOTED"


# The flag an incident carries for the standing its call came in with.
STANDING_FLAGS: dict[Standing, Flag] = {Standing.WARNED: Flag.WARNED, Standing.DEMOTED: Flag.DEMOTED}


class CallerPolicy(BaseModel):
    """The prank policy of one regency. The defaults follow Indonesian 112 centres' practice (warn after
    repeated pranks, block a number for 24 hours after more), except that here nothing is blocked: a
    DEMOTED caller still reaches the same operators, only after a genuine caller waiting. A deployment
    sets its own values with the `callerPolicy` context (docs/callers.md); camelCase keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    warn_after: float = Field(default=3, ge=0.5, le=100, description="Strikes in the warning window")
    warn_window_hours: int = Field(default=24, ge=1, le=24 * 30)
    demote_after: int = Field(default=5, ge=1, le=100, description="PRANK rejections in the demotion window")
    demote_window_days: int = Field(default=7, ge=1, le=60)
    demote_hours: int = Field(default=24, ge=1, le=24 * 30, description="How long a demotion lasts")
    silent_weight: float = Field(default=0.5, ge=0, le=1, description="A SILENT's weight towards WARNED")
    history_days: int = Field(default=30, ge=1, le=365, description="What counts as the caller's history")
    history_limit: int = Field(default=20, ge=5, le=100, description="Incidents read for it, newest first")
    retention_days: int = Field(
        default=90, ge=7, le=3650, description="After this, numbers in history are masked (UU 27/2022)"
    )

    @model_validator(mode="after")
    def _history_covers_the_policy(self) -> CallerPolicy:
        needed = max(self.warn_window_hours, self.demote_window_days * 24 + self.demote_hours)
        if self.history_days * 24 < needed:
            raise ValueError(
                f"historyDays ({self.history_days}) must cover the warning window and the demotion's "
                f"window and duration ({needed} hours): the standing is computed from that history"
            )
        if self.retention_days < self.history_days:
            raise ValueError(
                "retentionDays must be at least historyDays: history is read before it is masked"
            )
        return self

    @property
    def history_window(self) -> timedelta:
        return timedelta(days=self.history_days)


DEFAULT_POLICY = CallerPolicy()


class StandingChange(StrEnum):
    LIFT = "LIFT"  # a supervisor: back to NORMAL, strikes so far no longer count
    IMPOSE = "IMPOSE"  # a supervisor: WARNED or DEMOTED, until a time or until lifted
    RESET = "RESET"  # a verified A1 incident from the number ended a standing a supervisor imposed


class PastRejection(CamelModel):
    reason: str  # a RejectionReason; a str, so that one this version does not know yet still reads


class PastCall(CamelModel):
    """What the policy reads of one of the number's incidents: the intake's lookup asks only for this."""

    id: IncidentId
    received_at: Timestamp
    verified_at: Timestamp | None = None
    rejection: PastRejection | None = None

    @classmethod
    def of(cls, incident: Incident) -> PastCall:
        rejection = PastRejection(reason=incident.rejection.reason.value) if incident.rejection else None
        return cls(
            id=incident.id,
            received_at=incident.received_at,
            verified_at=incident.verified_at,
            rejection=rejection,
        )


class CallerRecord(CamelModel):
    """What is kept about a number beside its incidents: the supervisors' decisions, and the standing as
    last assessed with the calls it counted (the supervisors' list of current standings; the intake reads
    the record by key and assesses its calls again at the moment of each call)."""

    caller: str = Field(pattern=E164_PATTERN)
    cleared_at: Timestamp | None = Field(
        default=None, description="A supervisor lifted the standing: calls before this no longer count"
    )
    imposed: Standing | None = Field(default=None, description="A standing a supervisor imposed")
    imposed_at: Timestamp | None = None
    imposed_until: Timestamp | None = Field(default=None, description="None: until lifted")
    reason: str | None = Field(default=None, description="Why, in the supervisor's words (last decision)")
    warned_until: Timestamp | None = Field(default=None, description="As last assessed")
    demoted_until: Timestamp | None = Field(default=None, description="As last assessed")
    recent_pranks: int = Field(default=0, ge=0, description="As last assessed")
    calls: list[PastCall] = Field(
        default_factory=list,
        description="What the policy reads of the number's recent incidents, as last assessed (its PRANK "
        "and SILENT rejections and its last verified incident, newest first): the intake assesses a call "
        "from these, read with the record by key, rather than querying the history",
    )
    updated_at: Timestamp
    updated_by: Actor
    version: int = Field(default=0, ge=0, description="0: never stored")

    def imposed_at_time(self, now: datetime) -> bool:
        return self.imposed is not None and (self.imposed_until is None or self.imposed_until > now)

    def standing_at(self, now: datetime) -> tuple[Standing, datetime | None]:
        """The standing as last assessed, at `now`: only expiry changes it between two assessments (each
        rejection, verification and supervisor's decision assesses the number again)."""
        if self.imposed_at_time(now):
            assert self.imposed is not None
            return self.imposed, self.imposed_until
        if self.demoted_until and self.demoted_until > now:
            return Standing.DEMOTED, self.demoted_until
        if self.warned_until and self.warned_until > now:
            return Standing.WARNED, self.warned_until
        return Standing.NORMAL, None

    def listed_until(self) -> datetime | None:
        """Until when the record belongs in the supervisors' list (datetime.max: imposed until lifted)."""
        if self.imposed is not None and self.imposed_until is None:
            return datetime.max.replace(tzinfo=self.updated_at.tzinfo)
        ends = [
            t
            for t in (self.imposed_until if self.imposed else None, self.demoted_until, self.warned_until)
            if t
        ]
        return max(ends) if ends else None


class CallerAuditEntry(CamelModel):
    """One change of a number's standing by a person (or the reset by a verified incident): who, when,
    from what, to what, and why."""

    caller: str = Field(pattern=E164_PATTERN)
    at: Timestamp
    actor: Actor
    change: StandingChange
    from_standing: Standing
    to_standing: Standing
    reason: str | None = None
    until: Timestamp | None = None
    incident_id: IncidentId | None = Field(default=None, description="RESET: the verified incident")


@dataclass(frozen=True)
class CallerLookup:
    """What is known of a number: what the policy needs of its recent incidents (newest first), its
    record (the supervisors' decisions, the standing as last assessed), a handset position waiting for
    its call, and the incidents themselves when the by-caller index was read (not by the intake, which
    reads the record and the position by key: `calls` are then the record's)."""

    calls: list[PastCall]
    record: CallerRecord | None
    position: AmlFix | None
    history: list[Incident] = field(default_factory=list)
    # The major incidents active at the call (core.major_incidents), read in the same request by the
    # intake's snapshot; None when not read.
    majors: ActiveMajorIncidents | None = None


@dataclass(frozen=True)
class StandingPage:
    items: list[CallerRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class Assessment:
    """A number's standing at a moment, and why."""

    standing: Standing
    until: datetime | None  # when it ends if nothing new happens (None: NORMAL, or imposed until lifted)
    recent_pranks: int  # PRANK rejections in the history window (reset or not: a fact for the operator)
    strikes: float  # what counts towards WARNED now
    warned_until: datetime | None
    demoted_until: datetime | None
    imposed: bool  # a supervisor's decision, not the policy's
    reset_at: datetime | None  # calls before this no longer count (a verified A1, a supervisor's lift)


NORMAL = Assessment(Standing.NORMAL, None, 0, 0.0, None, None, False, None)


def outcome_of(incident: Incident) -> str:
    """How an incident ended, in one word: the rejection's reason (PRANK, SILENT, NON_EMERGENCY,
    DUPLICATE, …), VERIFIED (A1), CANCELLED (verified, then found a false alarm), ATTACHED (another
    report of an open incident's emergency), ABANDONED (the caller hung up while queued) or OPEN."""
    if incident.status is Status.ATTACHED:
        return "ATTACHED"
    if incident.cancellation is not None:
        return "CANCELLED"
    if incident.rejection is not None:
        return incident.rejection.reason.value
    if incident.verified_at is not None:
        return "VERIFIED"
    if Flag.ABANDONED in incident.flags:
        return "ABANDONED"
    return "OPEN"


class _Reason(Protocol):
    @property
    def reason(self) -> str: ...


class Call(Protocol):
    """An incident as the policy reads it: an Incident, or the PastCall the intake's lookup projects."""

    @property
    def received_at(self) -> datetime: ...

    @property
    def verified_at(self) -> datetime | None: ...

    @property
    def rejection(self) -> _Reason | None: ...


def known_calls(*sources: Sequence[PastCall]) -> list[PastCall]:
    """The calls of several reads of a number's history, each once, newest first. The by-caller index is
    eventually consistent and the record holds what its last assessment read: an incident decided in one
    and still open in the other counts as decided (only a supervisor's reopening undoes a rejection, and
    `CallerService.refresh` then reads the reopened incident itself)."""
    merged: dict[str, PastCall] = {}
    for source in sources:
        for call in source:
            known = merged.get(call.id)
            if known is None or (known.rejection is None and known.verified_at is None):
                merged[call.id] = call
    return sorted(merged.values(), key=lambda call: call.received_at, reverse=True)


def kept_calls(calls: Sequence[PastCall], now: datetime, policy: CallerPolicy) -> list[PastCall]:
    """What the record keeps of a number's calls for the intake's assessment (`assess` reads nothing
    else): the PRANK and SILENT rejections of the history window and its latest verified call, newest
    first, at most `history_limit` of them."""
    since = now - policy.history_window
    recent = [c for c in calls if c.received_at > since]
    verified = max(
        (c for c in recent if c.verified_at is not None), key=lambda c: c.received_at, default=None
    )
    strikes = [c for c in recent if c.rejection is not None and c.rejection.reason in _STRIKE_REASONS]
    kept = sorted([*strikes, *([verified] if verified else [])], key=lambda c: c.received_at, reverse=True)
    return kept[: policy.history_limit]


_STRIKE_REASONS = frozenset({RejectionReason.PRANK.value, RejectionReason.SILENT.value})


def _reason(call: Call) -> str | None:
    return call.rejection.reason if call.rejection else None


def assess(
    history: Sequence[Call], record: CallerRecord | None, now: datetime, policy: CallerPolicy
) -> Assessment:
    """The number's standing at `now` from its recent incidents (any order) and its record."""
    verified = [i.received_at for i in history if i.verified_at is not None]
    last_verified = max(verified, default=None)
    resets = [t for t in (last_verified, record.cleared_at if record else None) if t is not None]
    reset_at = max(resets, default=None)

    def counts(call: Call) -> bool:
        return reset_at is None or call.received_at > reset_at

    pranks = sorted(i.received_at for i in history if _reason(i) == RejectionReason.PRANK and counts(i))
    silents = [i.received_at for i in history if _reason(i) == RejectionReason.SILENT and counts(i)]
    since_history = now - policy.history_window
    recent_pranks = sum(
        1 for i in history if _reason(i) == RejectionReason.PRANK and since_history < i.received_at <= now
    )

    demoted_until = _demoted_until(pranks, now, policy)
    warned_until, strikes = _warned_until(pranks, silents, now, policy)

    if (
        record is not None
        and record.imposed_at_time(now)
        and not (last_verified and record.imposed_at and last_verified > record.imposed_at)
    ):
        assert record.imposed is not None
        return Assessment(
            record.imposed, record.imposed_until, recent_pranks, strikes, warned_until, demoted_until,
            True, reset_at,
        )  # fmt: skip
    if demoted_until is not None:
        standing, until = Standing.DEMOTED, demoted_until
    elif warned_until is not None:
        standing, until = Standing.WARNED, warned_until
    else:
        standing, until = Standing.NORMAL, None
    return Assessment(standing, until, recent_pranks, strikes, warned_until, demoted_until, False, reset_at)


def _demoted_until(pranks: Sequence[datetime], now: datetime, policy: CallerPolicy) -> datetime | None:
    """The end of the latest demotion: `demote_hours` after a prank that made `demote_after` within
    `demote_window_days`; None once it has ended."""
    window, lasts, k = (
        timedelta(days=policy.demote_window_days),
        timedelta(hours=policy.demote_hours),
        policy.demote_after,
    )
    ends = [pranks[j] + lasts for j in range(k - 1, len(pranks)) if pranks[j] - pranks[j - k + 1] <= window]
    until = max(ends, default=None)
    return until if until is not None and until > now else None


def _warned_until(
    pranks: Sequence[datetime], silents: Sequence[datetime], now: datetime, policy: CallerPolicy
) -> tuple[datetime | None, float]:
    """When the strikes of the warning window fall below `warn_after` (None: they already are), and how
    much they weigh now."""
    window = timedelta(hours=policy.warn_window_hours)
    since = now - window
    strikes = sorted(
        [(t, 1.0) for t in pranks if since < t <= now]
        + [(t, policy.silent_weight) for t in silents if since < t <= now]
    )
    total = sum(weight for _, weight in strikes)
    if total + _EPSILON < policy.warn_after:
        return None, total
    remaining = total
    for at, weight in strikes:  # the oldest expires first
        remaining -= weight
        if remaining + _EPSILON < policy.warn_after:
            return at + window, total
    return None, total  # pragma: no cover - the loop always drops below a positive threshold

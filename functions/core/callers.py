"""A caller's history and standing for the people at the desk: the number's recent incidents and how
each ended, what the prank policy makes of them (core.standing), and the supervisors' decisions about
the number, each audited (who, when, from, to, why).

The record kept per number holds the supervisors' decisions, and what the policy reads of its recent
calls (its PRANK and SILENT rejections and its last verified call) with the standing they made, as last
assessed; it is assessed again after each decision that changes it (a PRANK or SILENT rejection, a
verification, a supervisor's lift or imposition), from the by-caller index and what the record already
knew. The intake reads only the record, by key, in one short read that never fails a call
(`lookup_for_call`), and assesses the call from it at that moment (expiry is a matter of time); the
operators' API reads the history too. Refreshing the record is best effort (the decision is committed
first): a refresh that failed three times is logged and counted (CallerStandingNotRefreshed), and the
number's next decision refreshes it in full.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from core import lifecycle
from core.clock import Clock, utc_now
from core.errors import CallerStandingChanged, ConcurrentModification, InvalidRequest
from core.lifecycle import TERMINAL
from core.models import (
    Actor,
    CamelModel,
    Category,
    Channel,
    Flag,
    Incident,
    IncidentId,
    Status,
    Timestamp,
)
from core.observability import MetricUnit, logger, mask_phone, metrics
from core.ports import IncidentRepository
from core.standing import (
    E164_PATTERN,
    NORMAL,
    Assessment,
    CallerAuditEntry,
    CallerLookup,
    CallerPolicy,
    CallerRecord,
    PastCall,
    Standing,
    StandingChange,
    assess,
    kept_calls,
    known_calls,
    outcome_of,
)

TIMELINE_LIMIT = 20  # the newest entries of a number's audit trail shown with its history
_ATTEMPTS = 3


class HistoryEntry(CamelModel):
    """One of the caller's recent incidents, as the history pane shows it."""

    id: IncidentId
    received_at: Timestamp
    channel: Channel
    status: Status
    outcome: str = Field(
        description="VERIFIED (A1), PRANK, SILENT, NON_EMERGENCY, DUPLICATE (or another rejection "
        "reason), ATTACHED (part of another incident), ABANDONED (hung up while queued) or OPEN (not "
        "decided yet)"
    )
    category: Category | None = None
    flags: list[Flag] = Field(default_factory=list)


class StandingView(CamelModel):
    standing: Standing
    until: Timestamp | None = Field(default=None, description="When it ends if nothing new happens")
    recent_pranks: int = Field(description="PRANK rejections of its calls in the history window")
    strikes: float = Field(description="What counts towards WARNED now (a SILENT weighs less)")
    imposed: bool = Field(description="A supervisor's decision rather than the policy's")
    reset_at: Timestamp | None = Field(
        default=None, description="Calls before this no longer count (a verified A1, a supervisor's lift)"
    )
    reason: str | None = Field(default=None, description="The last supervisor's decision: why")
    decided_by: Actor | None = None
    decided_at: Timestamp | None = None


class CallerHistory(CamelModel):
    caller: str = Field(pattern=E164_PATTERN)
    standing: StandingView
    history: list[HistoryEntry] = Field(description="Its incidents of the last historyDays, newest first")
    timeline: list[CallerAuditEntry] = Field(description="Changes of its standing by people, newest first")
    history_days: int


class StandingSummary(CamelModel):
    """A row of the supervisors' list of current standings."""

    caller: str = Field(pattern=E164_PATTERN)
    standing: Standing
    until: Timestamp | None = Field(default=None, description="None: imposed until lifted")
    recent_pranks: int
    imposed: bool
    reason: str | None = None
    updated_at: Timestamp
    updated_by: Actor


class StandingsPage(CamelModel):
    items: list[StandingSummary]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to get the next page")


def entry(incident: Incident) -> HistoryEntry:
    return HistoryEntry(
        id=incident.id,
        received_at=incident.received_at,
        channel=incident.channel,
        status=incident.status,
        outcome=outcome_of(incident),
        category=incident.category,
        flags=list(incident.flags),
    )


class CallerService:
    def __init__(self, repository: IncidentRepository, policy: CallerPolicy, clock: Clock = utc_now) -> None:
        self._repo = repository
        self._policy = policy
        self._now = clock

    @property
    def policy(self) -> CallerPolicy:
        return self._policy

    # -- the intake ----------------------------------------------------------------------------------

    def lookup_for_call(self, caller: str | None, now: datetime) -> tuple[CallerLookup | None, Assessment]:
        """What the number's record says before its call is stored (and which major incidents are
        active: `majors`): one short read by key (the repository's urgent client), assessed now. Without a
        number, the major incidents only, and NORMAL. Never raises: a failure or a slow answer is NORMAL
        with no major incident, logged and counted, and the call goes on (None: nothing could be read)."""
        try:
            lookup = self._repo.caller_snapshot(caller, now)
            if caller is None:
                return lookup, NORMAL
            return lookup, assess(lookup.calls, lookup.record, now, self._policy)
        except Exception as error:
            logger.warning(
                "caller's history not read: standing NORMAL, no major incident",
                extra={"caller": mask_phone(caller), "error": type(error).__name__},
            )
            metrics.add_metric(name="CallerLookupFailed", unit=MetricUnit.Count, value=1)
            return None, NORMAL

    # -- the operators' API --------------------------------------------------------------------------

    def history(self, caller: str) -> CallerHistory:
        now = self._now()
        lookup = self._read(caller, now)
        timeline = self._repo.caller_timeline(caller, TIMELINE_LIMIT)
        assessment = assess(_known(lookup), lookup.record, now, self._policy)
        return self._view(caller, lookup, assessment, timeline)

    def standings(self, limit: int, cursor: str | None = None) -> StandingsPage:
        """The numbers with a standing now (WARNED or DEMOTED), the soonest to end first."""
        now = self._now()
        page = self._repo.list_standings(now, limit, cursor)
        items = []
        for record in page.items:
            standing, until = record.standing_at(now)
            if standing is Standing.NORMAL:  # pragma: no cover - the index's key says it lasts
                continue
            items.append(
                StandingSummary(
                    caller=record.caller,
                    standing=standing,
                    until=until,
                    recent_pranks=record.recent_pranks,
                    imposed=record.imposed_at_time(now),
                    reason=record.reason,
                    updated_at=record.updated_at,
                    updated_by=record.updated_by,
                )
            )
        return StandingsPage(items=items, next_cursor=page.next_cursor)

    def set_standing(
        self, caller: str, supervisor: str, standing: Standing, reason: str, until: datetime | None = None
    ) -> CallerHistory:
        """A supervisor lifts the number's standing (NORMAL: what its calls so far said no longer counts)
        or imposes WARNED or DEMOTED (until `until`, or until lifted). Audited on the number, and on each of
        its open incidents, whose flag follows. The same decision sent again changes nothing."""
        now = self._now()
        if standing is Standing.NORMAL and until is not None:
            raise InvalidRequest("until", "a lift has no end: leave until out")
        if until is not None and until <= now:
            raise InvalidRequest("until", "must be in the future")
        if until is not None and until > now + timedelta(days=self._policy.retention_days):
            raise InvalidRequest("until", f"at most {self._policy.retention_days} days ahead (the retention)")
        lookup = self._read(caller, now)
        record = self._repo.caller_record(caller)
        imposed = None if standing is Standing.NORMAL else standing
        calls = known_calls(lookup.calls, record.calls if record else [])
        before = assess(calls, record, now, self._policy)
        if (
            record is not None
            and before.standing is standing
            and _same_decision(record, supervisor, imposed, until, reason)
        ):
            return self.history(caller)  # a retry after a lost answer: it still holds
        base = record or CallerRecord(caller=caller, updated_at=now, updated_by=supervisor)
        changed = base.model_copy(
            update={
                "cleared_at": now if imposed is None else base.cleared_at,
                "imposed": imposed,
                "imposed_at": None if imposed is None else now,
                "imposed_until": until,
                "reason": reason,
                "updated_at": now,
                "updated_by": supervisor,
            }
        )
        after = assess(calls, changed, now, self._policy)
        changed = _with_assessment(changed, after, kept_calls(calls, now, self._policy))
        audit = CallerAuditEntry(
            caller=caller,
            at=now,
            actor=supervisor,
            change=StandingChange.LIFT if imposed is None else StandingChange.IMPOSE,
            from_standing=before.standing,
            to_standing=after.standing,
            reason=reason,
            until=until,
        )
        self._repo.save_caller_record(
            changed,
            record.version if record else 0,
            self._expires_at(changed),
            audit,
            self._audit_expires_at(now),
        )
        lifted = imposed is None
        metrics.add_metric(
            name="CallerStandingLifted" if lifted else "CallerStandingImposed", unit=MetricUnit.Count, value=1
        )
        logger.info(
            "caller's standing changed by a supervisor",
            extra={"caller": mask_phone(caller), "from": before.standing, "to": after.standing},
        )
        for incident in lookup.history:
            if incident.status not in TERMINAL:
                self._mark_open_incident(incident, supervisor, after.standing, reason)
        return self.history(caller)

    def refresh(self, caller: str, changed: Incident, actor: str) -> None:
        """Assess the number again after `changed` (just rejected or verified) and keep the result on its
        record, for the supervisors' list; a verified A1 also ends a standing a supervisor imposed before
        it (audited). Best effort: never raises (the decision is committed already; logged, counted)."""
        for _ in range(_ATTEMPTS):
            try:
                self._refresh(caller, changed, actor)
                return
            except CallerStandingChanged:
                continue  # a supervisor changed it meanwhile: assess again
            except Exception:
                break
        logger.exception("caller's standing not refreshed", extra={"caller": mask_phone(caller)})
        metrics.add_metric(name="CallerStandingNotRefreshed", unit=MetricUnit.Count, value=1)

    # -- internals -----------------------------------------------------------------------------------

    def _read(self, caller: str, now: datetime) -> CallerLookup:
        return self._repo.caller_lookup(
            caller, now - self._policy.history_window, self._policy.history_limit, now
        )

    def _refresh(self, caller: str, changed: Incident, actor: str) -> None:
        now = self._now()
        lookup = self._read(caller, now)
        # The index is eventually consistent: the incident just changed may not show its change yet, nor
        # one decided a moment before (whose refresh the record holds).
        record = self._repo.caller_record(caller)
        # The changed incident as it is now wins over both reads: a rejection a supervisor reopened no
        # longer counts, whatever the index or the record still say of it.
        others = known_calls(lookup.calls, record.calls if record else [])
        history = known_calls([PastCall.of(changed)], [c for c in others if c.id != changed.id])
        after = assess(history, record, now, self._policy)
        kept = kept_calls(history, now, self._policy)
        if record is None:
            if not any(call.rejection for call in kept):
                return  # no strike, nothing decided: no record needed (a verification alone resets nothing)
            record = CallerRecord(caller=caller, updated_at=now, updated_by=actor)
        audit = None
        if (
            record.imposed is not None
            and changed.verified_at is not None
            and record.imposed_at is not None
            and changed.received_at > record.imposed_at
        ):
            # A genuine emergency from the number: what a supervisor imposed before it ends (as the policy's
            # strikes before it do), and the number's trail says which incident ended it.
            audit = CallerAuditEntry(
                caller=caller,
                at=now,
                actor=actor,
                change=StandingChange.RESET,
                from_standing=record.imposed,
                to_standing=after.standing,
                incident_id=changed.id,
            )
            record = record.model_copy(update={"imposed": None, "imposed_at": None, "imposed_until": None})
        updated = _with_assessment(record, after, kept)
        if audit is None and _assessed(updated) == _assessed(record) and record.version:
            return  # as listed already
        self._repo.save_caller_record(
            updated.model_copy(update={"updated_at": now} if audit else {}),
            record.version,
            self._expires_at(updated),
            audit,
            self._audit_expires_at(now) if audit else None,
        )

    def _mark_open_incident(
        self, incident: Incident, supervisor: str, standing: Standing, reason: str
    ) -> None:
        """The supervisor's decision on the caller's open incident: its flag and its timeline. Best effort
        (the decision is stored on the number already): a race is retried, anything else logged."""
        for _ in range(_ATTEMPTS):
            try:
                self._repo.commit(
                    lifecycle.mark_standing(incident, supervisor, standing, reason, self._now())
                )
                return
            except ConcurrentModification:
                incident = self._repo.get(incident.id)
                if incident.status in TERMINAL:
                    return
            except Exception:
                break
        logger.exception("standing not recorded on the open incident", extra={"incident_id": incident.id})

    def _expires_at(self, record: CallerRecord) -> int | None:
        """When the record may go: the retention period after its last relevance; never while a
        standing is imposed until lifted."""
        if record.imposed is not None and record.imposed_until is None:
            return None
        moments = [record.updated_at, *(t for t in (record.listed_until(), record.cleared_at) if t)]
        return int((max(moments) + timedelta(days=self._policy.retention_days)).timestamp())

    def _audit_expires_at(self, now: datetime) -> int:
        return int((now + timedelta(days=self._policy.retention_days)).timestamp())

    def _view(
        self,
        caller: str,
        lookup: CallerLookup,
        assessment: Assessment,
        timeline: list[CallerAuditEntry],
    ) -> CallerHistory:
        record = lookup.record
        return CallerHistory(
            caller=caller,
            standing=StandingView(
                standing=assessment.standing,
                until=assessment.until,
                recent_pranks=assessment.recent_pranks,
                strikes=assessment.strikes,
                imposed=assessment.imposed,
                reset_at=assessment.reset_at,
                reason=record.reason if record else None,
                decided_by=record.updated_by if record and record.reason else None,
                decided_at=record.updated_at if record and record.reason else None,
            ),
            history=[entry(incident) for incident in lookup.history],
            timeline=timeline,
            history_days=self._policy.history_days,
        )


def _known(lookup: CallerLookup) -> list[PastCall]:
    """The calls the index returned, with those the record kept that it does not show yet."""
    return known_calls(lookup.calls, lookup.record.calls if lookup.record else [])


def _with_assessment(record: CallerRecord, assessment: Assessment, calls: list[PastCall]) -> CallerRecord:
    return record.model_copy(
        update={
            "warned_until": assessment.warned_until,
            "demoted_until": assessment.demoted_until,
            "recent_pranks": assessment.recent_pranks,
            "calls": calls,
        }
    )


def _assessed(record: CallerRecord) -> tuple[object, ...]:
    return (record.warned_until, record.demoted_until, record.recent_pranks, record.calls)


def _same_decision(
    record: CallerRecord, supervisor: str, imposed: Standing | None, until: datetime | None, reason: str
) -> bool:
    return (
        record.updated_by == supervisor
        and record.reason == reason
        and record.imposed == imposed
        and record.imposed_until == until
        and (imposed is not None or record.cleared_at is not None)
    )

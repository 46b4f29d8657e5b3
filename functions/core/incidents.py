"""Incident use cases: register a report, and the operators' verification workflow.

Each use case reads the incident, asks `core.lifecycle` for the change, and commits it through the
repository as one conditional write. Persist first, then process: a verified incident is committed
before its dispatch request is queued, and `requeue_stalled` re-queues any that the queue never got.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core import lifecycle
from core.boundaries import boundaries_for, district_at
from core.callbacks import CallbackDesk
from core.callers import CallerService
from core.clock import Clock, utc_now
from core.contacts import checked_contact_id, contact_dedupe_key
from core.errors import ConcurrentModification, IncidentNotFound, InvalidRequest
from core.ids import new_ulid
from core.major_incidents import ActiveMajorIncidents, MajorIncidents
from core.models import (
    Action,
    Category,
    Channel,
    Dispatch,
    Flag,
    Incident,
    IncidentDetail,
    Location,
    Page,
    Priority,
    Rejection,
    RejectionReason,
    Status,
)
from core.observability import MetricUnit, logger, metrics
from core.phone import normalize_phone
from core.ports import DispatchQueue, IncidentRepository, OperatorDirectory, ReplyQueue
from core.positions import attach_if_newer
from core.regency import DEFAULT_ACK_DEADLINE_SECONDS, Regency
from core.related import AttachResult, RelatedIncidents
from core.standing import STANDING_FLAGS, CallerLookup, CallerPolicy, Standing

if TYPE_CHECKING:
    from core.agencies import DirectorySnapshot, Routing, Suggestion
    from core.conversations import Conversations
    from core.notices import Notice, NoticeKind, PendingNotice
    from core.search import Search, SearchPage

SYSTEM_INTAKE = "system:intake"
# Amazon Connect's contact flow, when it reports what the caller did (pressed the "cannot speak" key).
SYSTEM_CONNECT = "system:connect"
# How many times a flag is tried again when the incident changed under it (an operator claimed it): the
# 112 path waits on it, so it is bounded; a flag lost after that is logged, never a failed call.
FLAG_ATTEMPTS = 3
# Why an operator registered a 112 call: it reached them without its incident (the intake failed or timed
# out, so the contact has no incidentId). The audit entry's reason; the panel says it in words.
CALL_WITHOUT_INCIDENT = "CALL_WITHOUT_INCIDENT"
# How many times a note is tried on an incident that keeps changing under it, before the 409.
NOTE_ATTEMPTS = 3
# A verified incident still not dispatched this long after verification is escalated, not just re-queued.
ESCALATE_AFTER = timedelta(minutes=10)
# Rejections that change what a number's standing is (core.standing): the caller's record is assessed again.
_STRIKES = frozenset({RejectionReason.PRANK, RejectionReason.SILENT})


@dataclass(frozen=True)
class Report:
    """Whatever arrived on a channel, before it is an incident."""

    channel: Channel
    actor: str
    caller: str | None = None  # as received; normalised to E.164 here
    dedupe_key: str | None = None  # the channel's own id for this message, so a retry is one incident
    contact_id: str | None = None
    summary: str | None = None
    text: str | None = None  # what the citizen wrote, as received
    location: Location | None = None
    source: Mapping[str, str] = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()
    reason: str | None = None  # why, on the registration's audit entry, when not the channel's usual way
    # Who wrote it on a platform with conversations, `<channel>#<platform id>` (Instagram, X direct
    # messages): their follow-ups join their open incident (core/conversations.py).
    sender: str | None = None


@dataclass(frozen=True)
class VerifyCommand:
    category: Category
    priority: Priority
    location: Location
    summary: str
    agencies: tuple[str, ...] = ()  # agency type codes; none: the category's
    posts: tuple[str, ...] | None = None  # the directory's post ids; None: those suggested for the kecamatan


class IncidentService:
    def __init__(
        self,
        repository: IncidentRepository,
        regency: Regency,
        dispatch_queue: DispatchQueue | None = None,
        clock: Clock = utc_now,
        caller_policy: CallerPolicy | None = None,
        agencies: Callable[[], DirectorySnapshot] | None = None,
        replies: ReplyQueue | None = None,
        ack_deadlines: Mapping[str, int] = DEFAULT_ACK_DEADLINE_SECONDS,
    ) -> None:
        self._repo = repository
        self._ack_deadlines = ack_deadlines  # an agency added by an update: its deadline to confirm
        self._regency = regency
        self.regency = regency  # the statistics count days in its time zone
        self._queue = dispatch_queue
        self._now = clock
        # The deployment's policy (Settings.caller_policy), else the regency's own.
        self.callers = CallerService(repository, caller_policy or regency.caller_policy, clock)
        # The agency directory as this environment last read it (core.agency_directory.CachedDirectory);
        # without one, the built-in types and no posts.
        self._agencies = agencies or _built_in
        # The abandoned and silent calls awaiting a call back, on the same table and clock.
        self.desk = CallbackDesk(repository, regency, clock)
        # Other reports of the same emergency: suggestions, attach and detach (docs/related.md).
        # Major incidents a supervisor declared (docs/api.md#major-incidents): their parents lead the
        # suggestions, and the intake tells every 112 caller their message.
        self.major = MajorIncidents(repository, regency, clock)
        self.related = RelatedIncidents(repository, clock, lead=self.major.lead)
        self._replies = replies

    @functools.cached_property
    def conversations(self) -> Conversations:
        """A citizen's follow-up messages on Instagram and X, joined to their open incident; and what
        operators write back to them, through the replies queue. Made when first used: the 112 call's
        intake never needs it (light imports on the 112 path)."""
        from core.conversations import Conversations  # noqa: PLC0415

        return Conversations(self._repo, self._now, self._replies)

    # -- intake --------------------------------------------------------------------------------------

    def open_by_hand(
        self,
        operator: str,
        channel: Channel,
        summary: str,
        caller: str | None = None,
        location: Location | None = None,
        client_request_id: str | None = None,
    ) -> tuple[Incident, bool]:
        """An incident an operator opens (walk-in, radio); the same client_request_id from the same
        operator is the same incident, so a retry after a lost answer opens nothing new (False)."""
        if channel is Channel.VOICE:
            raise InvalidRequest("channel", "a 112 call is opened by its contact id (open_call)")
        dedupe = f"REQUEST#{operator}#{client_request_id}" if client_request_id else None
        report = Report(
            channel=channel,
            actor=operator,
            caller=caller,
            dedupe_key=dedupe,
            summary=summary,
            location=location,
        )
        return self.register(report)

    def open_call(self, operator: str, contact_id: str, caller: str | None = None) -> tuple[Incident, bool]:
        """The incident of a 112 call that reached an operator without one (the intake failed or timed
        out: the contact has no incidentId). Keyed on the call's contact exactly as the intake keys it,
        so whoever writes first makes the incident and the other gets it (False): the intake after the
        operator, the operator after a late intake, or both at once (the conditional write decides).
        `contact_id` is the initial contact id; `caller` is the number the softphone shows, if any."""
        contact = checked_contact_id(contact_id)
        report = Report(
            channel=Channel.VOICE,
            actor=operator,
            caller=caller,
            dedupe_key=contact_dedupe_key(contact),
            contact_id=contact,
            source={"initialContactId": contact},
            reason=CALL_WITHOUT_INCIDENT,
        )
        incident, created = self.register(report)
        logger.warning(
            "a 112 call reached an operator without its incident"
            if created
            else "the call's incident existed already (the intake or another operator registered it)",
            extra={"incident_id": incident.id, "contact_id": contact, "operator": operator},
        )
        return incident, created

    def flag_call(self, report: Report, flag: Flag, actor: str = SYSTEM_CONNECT) -> tuple[Incident, bool]:
        """Add `flag` to the incident of the call `report` comes from, found by its dedupe key (the
        contact's), registering the call first when the intake never did. Idempotent: a flag already
        there changes nothing (False). Never raises for the incident's own state: a closed or rejected
        incident, or one that keeps changing under us, is logged and returned unflagged (False).
        Without a dedupe key nothing can find the call's incident: the flag comes with a new one."""
        if report.dedupe_key is None:
            return self.register(replace(report, flags=(*report.flags, flag)))
        incident, _ = self.register(report)
        for _ in range(FLAG_ATTEMPTS):
            if flag in incident.flags:
                return incident, False
            if Action.FLAG not in lifecycle.STATE_MACHINE[incident.status]:
                logger.warning(
                    "flag not added: the incident is closed",
                    extra={"incident_id": incident.id, "flag": flag.value, "status": incident.status.value},
                )
                return incident, False
            try:
                flagged = self._repo.commit(lifecycle.flag(incident, flag, actor, self._now()))
            except ConcurrentModification:
                incident = self._repo.get(incident.id)
                continue
            metrics.add_metric(name=f"IncidentFlagged{_words(flag.value)}", unit=MetricUnit.Count, value=1)
            return flagged, True
        logger.error(
            "flag not added: the incident kept changing",
            extra={"incident_id": incident.id, "flag": flag.value},
        )
        return incident, False

    def _canonical(self, location: Location | None) -> Location | None:
        """The location with its district spelled as the regency spells it; an unknown district is refused."""
        if location is None or location.district is None:
            return location
        district = self._regency.canonical_district(location.district)
        if district is None:
            raise InvalidRequest(
                "location.district",
                f"{location.district!r} is not a district of {self._regency.name}; "
                f"one of: {', '.join(self._regency.districts)}",
            )
        return location.model_copy(update={"district": district})

    def register(self, report: Report) -> tuple[Incident, bool]:
        """Store the report as a RECEIVED incident; a repeated report returns the first one, False."""
        incident, created, _ = self.register_call(report)
        return incident, created

    def register_call(self, report: Report) -> tuple[Incident, bool, ActiveMajorIncidents | None]:
        """As `register`, with the major incidents active when a 112 call came in (None: not a call, or
        they could not be read: the call goes on without their message).

        Persist first: the incident is written before anything else is read. A 112 call then takes the
        handset position (AML) that may have arrived before it, kept under the caller's number."""
        now = self._now()
        caller = normalize_phone(report.caller)
        # A 112 call: the number's history and the active major incidents first, in one short read that
        # never fails the call (core.callers); the standing goes on the incident in the very write that
        # creates it. The same read brings the handset's position if it came before the call. A withheld
        # number reads the major incidents only.
        voice = report.channel is Channel.VOICE
        lookup, assessment = self.callers.lookup_for_call(caller, now) if voice else (None, None)
        standing = assessment.standing if assessment else Standing.NORMAL
        incident = Incident(
            id=new_ulid(int(now.timestamp() * 1000)),
            status=Status.RECEIVED,
            channel=report.channel,
            caller=caller,
            contact_id=report.contact_id,
            summary=report.summary,
            report=report.text,
            location=self._canonical(report.location),
            flags=[
                *([] if caller else [Flag.CALLER_UNKNOWN]),
                *report.flags,
                *([STANDING_FLAGS[standing]] if standing in STANDING_FLAGS else []),
            ],
            recent_pranks=assessment.recent_pranks if caller and lookup is not None and assessment else None,
            source=dict(report.source),
            created_by=report.actor,
            received_at=now,
            updated_at=now,
            version=1,
        )
        stored, created = self._repo.create(incident, report.dedupe_key, report.reason, report.sender)
        metrics.add_metric(
            name="IncidentRegistered" if created else "ReportRepeated", unit=MetricUnit.Count, value=1
        )
        if created and standing is Standing.WARNED:
            metrics.add_metric(name="CallerWarned", unit=MetricUnit.Count, value=1)
        elif created and standing is Standing.DEMOTED:
            metrics.add_metric(name="CallerDemoted", unit=MetricUnit.Count, value=1)
        # Only a 112 call: a web report from the same number may be about another place.
        if stored.channel is Channel.VOICE and stored.caller and stored.aml is None:
            stored = self._take_kept_position(stored, lookup if voice else None)
        return stored, created, lookup.majors if lookup is not None else None

    def _take_kept_position(self, incident: Incident, lookup: CallerLookup | None) -> Incident:
        """The incident with the position its handset sent before the call was registered, if one is
        waiting: the caller's lookup brought it, or (when that failed) it is read now. Best effort: the
        incident is already stored, and a failure here must not fail the call (the position stays kept,
        and the next AML message of the call attaches anyway)."""
        assert incident.caller is not None
        try:
            now = self._now()
            position = (
                lookup.position
                if lookup is not None
                else self._repo.kept_position(incident.caller, int(now.timestamp()))
            )
        except Exception:
            logger.exception("kept AML position not read", extra={"incident_id": incident.id})
            return incident
        if position is None:
            return incident
        for _ in range(2):
            try:
                return attach_if_newer(self._repo, incident, position, self._now(), self._regency) or incident
            except ConcurrentModification:
                incident = self._repo.get(incident.id)  # an operator claimed it meanwhile: add it again
            except Exception:
                logger.exception("kept AML position not attached", extra={"incident_id": incident.id})
                return incident
        return incident

    # -- reads ---------------------------------------------------------------------------------------

    def suggest(
        self,
        category: Category | None,
        agencies: tuple[str, ...],
        district: str | None,
        lat: float | None = None,
        lon: float | None = None,
        now: datetime | None = None,
    ) -> Suggestion:
        """The posts a verification would go to: for each agency type (those given, else the category's),
        the posts covering the kecamatan (given, else found from the point), else its regency-level ones."""
        from core.agencies import suggestion, types_for  # noqa: PLC0415 (routing, not the 112 path)

        snapshot = self._agencies()
        found = self._regency.canonical_district(district) if district else None
        if district and found is None:
            known = ", ".join(self._regency.districts)
            raise InvalidRequest(
                "district",
                f"{district!r} is not a district of {self._regency.name}; one of: {known}",
                "query",
            )
        from_point = False
        if found is None and lat is not None and lon is not None:
            found = district_at(self._regency, lat, lon)
            from_point = found is not None
        types = agencies or types_for(snapshot, category)
        answer = suggestion(snapshot, types, found, self._regency, now or self._now())
        boundaries = boundaries_for(self._regency.code) if from_point else None
        return answer.model_copy(
            update={
                "district_from_point": from_point,
                "boundaries_approximate": bool(boundaries and boundaries.approximate),
            }
        )

    def detail(self, incident_id: str) -> IncidentDetail:
        return self._repo.get_detail(incident_id)

    def queue(self, status: Status, limit: int, cursor: str | None = None) -> Page:
        if status in lifecycle.TERMINAL:
            # Not a queue: a terminal list only grows; past incidents are found by date (decision 54).
            raise InvalidRequest(
                "status", f"{status.value} incidents are not a queue: find them with GET /search", "query"
            )
        return self._repo.list_by_status(status, limit, cursor)

    def search(self, search: Search, limit: int, cursor: str | None = None) -> SearchPage:
        """Past incidents, newest first, each with its outcome; the caller's number in any form people
        write it, the district as the regency spells it in any case (an unknown one is refused, not
        silently matched by nothing)."""
        caller, district = search.caller, search.district
        if caller is not None:
            caller = normalize_phone(caller)
            if caller is None:
                raise InvalidRequest("caller", "not a phone number", "query")
        if district is not None:
            district = self._regency.canonical_district(district)
            if district is None:
                raise InvalidRequest("district", f"not a kecamatan of {self._regency.name}", "query")
        page = self._repo.search(replace(search, caller=caller, district=district), limit, cursor)
        from core.search import SearchPage  # noqa: PLC0415 (off the 112 call's imports)

        return SearchPage.of(page)

    # -- the operators' workflow ---------------------------------------------------------------------

    def claim(self, incident_id: str, operator: str) -> Incident:
        """Take an incident for review. Claiming one already held by the same operator is a no-op that
        returns it (a retry after a lost answer), not a conflict."""
        incident = self._repo.get(incident_id)
        if _held_by(incident, operator):
            return incident
        try:
            return self._repo.commit(lifecycle.claim(incident, operator, self._now()))
        except ConcurrentModification:
            # Lost the race: say who won, as a claim of an incident already taken does.
            current = self._repo.get(incident_id)
            if _held_by(current, operator):
                return current
            lifecycle.claim(current, operator, self._now())
            raise

    def reassign(
        self, incident_id: str, supervisor: str, assignee: str, directory: OperatorDirectory
    ) -> Incident:
        """Hand an incident under review to another active operator or supervisor."""
        if assignee not in {account.username for account in directory.operators() if account.enabled}:
            raise InvalidRequest("assignee", f"{assignee!r} is not an active operator or supervisor")
        incident = self._repo.get(incident_id)
        return self._repo.commit(lifecycle.reassign(incident, supervisor, assignee, self._now()))

    def verify(self, incident_id: str, operator: str, command: VerifyCommand) -> Incident:
        if self._queue is None:
            raise RuntimeError("IncidentService needs a dispatch queue to verify incidents")
        incident = self._repo.get(incident_id)
        location, routing = self._routed(command)
        verification = lifecycle.Verification(
            category=command.category,
            priority=command.priority,
            location=location,
            summary=command.summary,
            agencies=routing.agencies,
            posts=routing.posts,
        )
        if _already_verified(incident, operator, verification):
            return incident  # a retry after a lost answer: nothing to change, nothing to queue again
        verified = self._repo.commit(lifecycle.verify(incident, operator, verification, self._now()))
        metrics.add_metric(name="IncidentVerified", unit=MetricUnit.Count, value=1)
        self._request_dispatch(verified)
        if verified.caller:  # a genuine emergency from the number resets its standing (core.standing)
            self.callers.refresh(verified.caller, verified, operator)
        return verified

    def _request_dispatch(self, incident: Incident) -> bool:
        """Queue the dispatch request; False (logged, counted) when the queue cannot be reached."""
        if self._queue is None:
            raise RuntimeError("IncidentService needs a dispatch queue to request dispatches")
        try:
            message_id = self._queue.enqueue(incident)
        except Exception:
            # The verification is committed; the reconciler (requeue_stalled) will queue it again.
            logger.exception("dispatch request not queued", extra={"incident_id": incident.id})
            metrics.add_metric(name="DispatchEnqueueFailed", unit=MetricUnit.Count, value=1)
            return False
        logger.info("dispatch requested", extra={"incident_id": incident.id, "message_id": message_id})
        return True

    def reject(self, incident_id: str, operator: str, rejection: Rejection) -> Incident:
        incident = self._repo.get(incident_id)
        if (
            incident.status is Status.REJECTED
            and incident.assigned_to == operator
            and incident.rejection == rejection
        ):
            return incident  # a retry after a lost answer
        if rejection.duplicate_of and rejection.duplicate_of != incident_id:
            try:
                self._repo.get(rejection.duplicate_of)
            except IncidentNotFound:
                raise InvalidRequest("duplicateOf", f"no incident {rejection.duplicate_of}") from None
        rejected = self._repo.commit(lifecycle.reject(incident, operator, rejection, self._now()))
        metrics.add_metric(
            name=f"IncidentRejected{rejection.reason.title().replace('_', '')}",
            unit=MetricUnit.Count,
            value=1,
        )
        if rejected.caller and rejection.reason in _STRIKES:
            self.callers.refresh(rejected.caller, rejected, operator)
        return rejected

    def acknowledge(self, incident_id: str, agency: str, actor: str, note: str | None = None) -> Incident:
        detail = self._repo.get_detail(incident_id)
        incident = Incident.model_validate(detail.model_dump(exclude={"timeline", "dispatches"}))
        change = lifecycle.acknowledge(incident, detail.dispatches, agency, actor, self._now(), note)
        return self._repo.commit(change)

    def note(self, incident_id: str, operator: str, text: str, tell_agencies: bool = True) -> Incident:
        """An operator's note on an open incident. A note asks nothing of the incident's state, so a
        change made meanwhile (a position, another note) is no conflict: read again and add it. Once
        dispatched, its agencies' posts are sent it too unless `tell_agencies` is false."""
        from core.notices import NoticeKind  # noqa: PLC0415 (off the 112 call's imports)

        for attempt in range(NOTE_ATTEMPTS):
            incident = self._repo.get(incident_id)
            change = lifecycle.note(incident, operator, text, self._now())
            told = tell_agencies and change.incident.status in _AFTER_DISPATCH
            notice = self._notice(change.incident, NoticeKind.NOTE, text=text) if told else None
            try:
                return self._commit_telling(change, notice)
            except ConcurrentModification:
                if attempt == NOTE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self, incident_id: str, actor: str, note: str) -> Incident:
        """Close a dispatched incident with its outcome (the reason), confirmed by every agency or not; its
        agencies' posts are told it is closed."""
        incident, dispatches = self._with_dispatches(incident_id)
        change = lifecycle.close(incident, actor, note, self._now())
        from core.notices import NoticeKind  # noqa: PLC0415 (off the 112 call's imports)

        notice = self._notice(change.incident, NoticeKind.CLOSED, text=note, dispatches=dispatches)
        return self._commit_telling(change, notice)

    # -- after verification (docs/api.md) ---------------------------------------------------------------

    def update(self, incident_id: str, operator: str, command: VerifyCommand) -> Incident:
        """Correct a verified incident: location, category, priority, summary or agencies. Once dispatched,
        its posts are told what changed, the posts added are dispatched to and the posts taken off are
        told they are withdrawn. Sent again after it succeeded, it changes nothing."""
        incident, dispatches = self._with_dispatches(incident_id)
        location, routing = self._routed(command)
        from core.agencies import posts_by_agency  # noqa: PLC0415 (as in verify)

        snapshot = self._agencies()
        target = incident.model_copy(
            update={"agencies": list(routing.agencies), "posts": list(routing.posts)}
        )
        amendment = lifecycle.Amendment(
            category=command.category,
            priority=command.priority,
            location=location,
            summary=command.summary,
            agencies=routing.agencies,
            posts=routing.posts,
            posts_by_agency=posts_by_agency(snapshot, target),
        )
        if incident.status in _VERIFIED_OR_LATER and not lifecycle.amended(incident, amendment):
            return incident  # a retry after a lost answer, or nothing changed
        now = self._now()
        due = now + timedelta(seconds=self._ack_deadlines[command.priority.value])
        change = lifecycle.update(incident, dispatches, operator, amendment, now, ack_due_at=due)
        notice = None
        if incident.status in _AFTER_DISPATCH:
            from core.notices import Notice, NoticeKind, live_posts  # noqa: PLC0415 (off the 112 path)

            before = live_posts(dispatches)
            after = live_posts([*_applied(dispatches, change)])
            notice = Notice(
                kind=NoticeKind.UPDATE,
                version=change.incident.version,
                changed=lifecycle.amended(incident, amendment),
                told={post: agency for post, agency in after.items() if post in before},
                dispatched={post: agency for post, agency in after.items() if post not in before},
                withdrawn={post: agency for post, agency in before.items() if post not in after},
            )
        updated = self._commit_telling(change, notice)
        metrics.add_metric(name="IncidentUpdated", unit=MetricUnit.Count, value=1)
        return updated

    def cancel(self, incident_id: str, operator: str, reason: str) -> Incident:
        """A false alarm found after verification: CLOSED with its cancellation, and every post it went to
        (or, before the dispatch is recorded, may be going to) told to stand down."""
        incident, dispatches = self._with_dispatches(incident_id)
        if incident.cancellation is not None and incident.cancellation.reason == reason:
            return incident  # a retry after a lost answer
        change = lifecycle.cancel(incident, operator, reason, self._now())
        from core.notices import NoticeKind  # noqa: PLC0415 (off the 112 call's imports)

        notice = self._notice(change.incident, NoticeKind.CANCELLED, text=reason, dispatches=dispatches)
        cancelled = self._commit_telling(change, notice)
        metrics.add_metric(name="IncidentCancelled", unit=MetricUnit.Count, value=1)
        return cancelled

    def reopen(self, incident_id: str, supervisor: str, reason: str) -> Incident:
        """A supervisor undoes a wrong rejection or closing (audited): a rejected incident back to review,
        held by them; a closed one back to where its agencies stand, and they are told. A prank or silent
        rejection undone no longer counts against the caller's number."""
        detail = self._repo.get_detail(incident_id)
        incident, dispatches = _split(detail)
        last = detail.timeline[-1] if detail.timeline else None
        if last and (last.action, last.actor, last.reason) == (Action.REOPEN, supervisor, reason):
            return incident  # a retry after a lost answer
        change = lifecycle.reopen(incident, dispatches, supervisor, reason, self._now())
        notice = None
        if change.incident.status in _AFTER_DISPATCH:
            from core.notices import NoticeKind  # noqa: PLC0415 (off the 112 call's imports)

            notice = self._notice(change.incident, NoticeKind.REOPENED, text=reason, dispatches=dispatches)
        reopened = self._commit_telling(change, notice)
        metrics.add_metric(name="IncidentReopened", unit=MetricUnit.Count, value=1)
        struck = incident.rejection is not None and incident.rejection.reason in _STRIKES
        if reopened.caller and struck:
            self.callers.refresh(reopened.caller, reopened, supervisor)
        return reopened

    def attach(
        self, incident_id: str, parent_id: str, operator: str, tell_agencies: bool = False
    ) -> AttachResult:
        """Attach the incident to an open one; when the parent is dispatched and the operator accepts,
        its posts are sent what the new report adds."""
        result = self.related.attach(incident_id, parent_id, operator)
        parent = result.parent
        if tell_agencies and parent.status in _AFTER_DISPATCH and result.incident.parent_id == parent.id:
            child = result.incident
            words = [child.summary or "", child.report or ""]
            place = lifecycle.place_text(child.location)
            text = " | ".join(part for part in (*words, f"Lokasi: {place}" if place else "") if part)
            from core.notices import NoticeKind  # noqa: PLC0415 (off the 112 call's imports)

            self._tell_after(parent, self._notice(parent, NoticeKind.REPORT, text=text[:2000] or None))
        return result

    def _with_dispatches(self, incident_id: str) -> tuple[Incident, list[Dispatch]]:
        return _split(self._repo.get_detail(incident_id))

    def _routed(self, command: VerifyCommand) -> tuple[Location, Routing]:
        location = self._canonical(command.location)
        assert location is not None
        if location.district is None and location.lat is not None:
            # The operator gave a point and no kecamatan: the boundaries give it, for the posts' sake.
            found = district_at(self._regency, location.lat, location.lon)
            location = location.model_copy(update={"district": found}) if found else location
        from core.agencies import route  # noqa: PLC0415 (the directory's models stay off the 112 path)

        routing = route(
            self._agencies(), command.category, location.district, command.agencies, command.posts
        )
        return location, routing

    def _notice(
        self,
        incident: Incident,
        kind: NoticeKind,
        text: str | None = None,
        dispatches: list[Dispatch] | None = None,
    ) -> Notice | None:
        """What the incident's posts are told of the change that makes `incident` (its version is the
        key); None when the change concerns no post."""
        if dispatches is None:
            dispatches = self._with_dispatches(incident.id)[1]
        agency_of = {}
        if not dispatches and incident.posts:
            snapshot = self._agencies()
            agency_of = {p: post.agency for p in incident.posts if (post := snapshot.post(p)) is not None}
        from core.notices import Notice, posts_of  # noqa: PLC0415 (off the 112 call's imports)

        told = posts_of(incident, dispatches, agency_of)
        notice = Notice(kind=kind, version=incident.version, text=text, told=told)
        return None if notice.empty else notice

    def _commit_telling(self, change: lifecycle.Change, notice: Notice | None) -> Incident:
        """Commit the change with its notice in the outbox (one transaction), then queue the notice."""
        if notice is None or notice.empty:
            return self._repo.commit(change)
        if self._queue is None:
            raise RuntimeError("IncidentService needs a dispatch queue to tell the agencies")
        committed = self._repo.commit(replace(change, notice=notice))
        from core.notices import PendingNotice  # noqa: PLC0415 (off the 112 call's imports)

        self._release(PendingNotice(incident_id=committed.id, notice=notice, at=change.audit.at))
        return committed

    def _tell_after(self, incident: Incident, notice: Notice | None) -> None:
        """Tell the posts of a change another service committed (an attach): the notice goes into the
        outbox first, then to the queue. A retry of that change tells them again under the same key."""
        if notice is None or notice.empty:
            return
        from core.notices import PendingNotice  # noqa: PLC0415 (off the 112 call's imports)

        pending = PendingNotice(incident_id=incident.id, notice=notice, at=self._now())
        try:
            self._repo.keep_notice(pending)
        except Exception:
            logger.exception("notice not kept", extra={"incident_id": incident.id, "kind": notice.kind})
        self._release(pending)

    def _release(self, pending: PendingNotice) -> None:
        """Queue a notice kept in the outbox and take it out. The change is committed already: a queue that
        cannot be reached is logged and counted (NoticeNotQueued), never a failed request, and the notice
        waits in the outbox for the reconciler (requeue_notices)."""
        try:
            self._release_from_outbox(pending)
        except Exception:
            logger.exception(
                "notice left in the outbox for the reconciler",
                extra={"incident_id": pending.incident_id, "kind": pending.notice.kind},
            )
            metrics.add_metric(name="NoticeNotQueued", unit=MetricUnit.Count, value=1)

    def _release_from_outbox(self, pending: PendingNotice) -> None:
        """Queued, then out of the outbox: queued twice at worst (the reconciler after a failed delete), and
        each post is sent each change once (agency-delivery's keys)."""
        if self._queue is None:
            raise RuntimeError("IncidentService needs a dispatch queue to tell the agencies")
        self._queue.enqueue_notice(pending.incident_id, pending.notice)
        self._repo.notice_queued(pending)

    # -- reconciliation ------------------------------------------------------------------------------

    def requeue_notices(self, grace: timedelta, page_size: int = 100) -> int:
        """Queue the outbox's notices committed more than `grace` ago (the API could not queue them, or
        stopped before it did), oldest first, one bounded page per run; how many were queued. A notice
        queued twice is sent to each post once (agency-delivery's keys)."""
        pending = self._repo.pending_notices(self._now() - grace, page_size)
        queued = 0
        for notice in pending:
            try:
                self._release_from_outbox(notice)
            except Exception:
                logger.exception("outbox notice not queued", extra={"incident_id": notice.incident_id})
                metrics.add_metric(name="NoticeNotQueued", unit=MetricUnit.Count, value=1)
                break  # the queue is down: the next run takes it up, oldest first
            queued += 1
        if queued:
            logger.warning("notices queued from the outbox", extra={"queued": queued})
        metrics.add_metric(name="NoticesRequeued", unit=MetricUnit.Count, value=queued)
        return queued

    def requeue_stalled(
        self, grace: timedelta, page_size: int = 100, escalate_after: timedelta = ESCALATE_AFTER
    ) -> list[str]:
        """Queue again every VERIFIED incident whose dispatch is overdue (its request may have been lost).

        Dispatching is idempotent, so a request that was merely slow costs one extra no-op message. One
        still VERIFIED `escalate_after` its verification is not a lost message but a dispatch that keeps
        failing: it is counted as DispatchOverdue (the alarm pages the supervisor) and logged as an error,
        every run until a human sees to it."""
        now = self._now()
        cutoff, overdue_cutoff = now - grace, now - escalate_after
        requeued: list[str] = []
        overdue: list[str] = []
        cursor: str | None = None
        while True:
            page = self._repo.list_by_status(Status.VERIFIED, page_size, cursor)
            for incident in page.items:
                if incident.verified_at is None or incident.verified_at > cutoff:
                    continue
                if incident.verified_at <= overdue_cutoff:
                    overdue.append(incident.id)
                if self._request_dispatch(incident):
                    requeued.append(incident.id)
            cursor = page.next_cursor
            if cursor is None:
                break
        if requeued:
            logger.warning("re-queued stalled dispatches", extra={"incident_ids": requeued})
            metrics.add_metric(name="DispatchRequeued", unit=MetricUnit.Count, value=len(requeued))
        if overdue:
            logger.error("verified incidents still not dispatched", extra={"incident_ids": overdue})
        # Emitted every run, 0 included, so the alarm sees a value rather than missing data.
        metrics.add_metric(name="DispatchOverdue", unit=MetricUnit.Count, value=len(overdue))
        return requeued


def _built_in() -> DirectorySnapshot:
    # Imported here: the directory's models cost the 112 path's cold start (intake-connect only registers).
    from core.agencies import built_in_snapshot  # noqa: PLC0415

    return built_in_snapshot()


def _words(code: str) -> str:
    """CANNOT_SPEAK -> CannotSpeak (a metric's name)."""
    return code.title().replace("_", "")


def _held_by(incident: Incident, operator: str) -> bool:
    return incident.status is Status.IN_REVIEW and incident.assigned_to == operator


_VERIFIED_OR_LATER = frozenset({Status.VERIFIED, Status.DISPATCHED, Status.ACKNOWLEDGED})
_AFTER_DISPATCH = frozenset({Status.DISPATCHED, Status.ACKNOWLEDGED})


def _split(detail: IncidentDetail) -> tuple[Incident, list[Dispatch]]:
    """The incident and its dispatch records, from its detail."""
    incident = Incident.model_validate(detail.model_dump(exclude={"timeline", "dispatches", "call"}))
    return incident, list(detail.dispatches)


def _applied(dispatches: list[Dispatch], change: lifecycle.Change) -> list[Dispatch]:
    """The incident's dispatch records after the change's writes."""
    written = {write.dispatch.agency: write.dispatch for write in change.dispatch_writes}
    return [*(written.pop(d.agency, d) for d in dispatches), *written.values()]


def _already_verified(incident: Incident, operator: str, verification: lifecycle.Verification) -> bool:
    """Whether this operator already verified the incident exactly so (a retried request)."""
    return (
        incident.status in _VERIFIED_OR_LATER
        and incident.assigned_to == operator
        and (
            incident.category,
            incident.priority,
            incident.location,
            incident.summary,
            incident.agencies,
            incident.posts,
        )
        == (
            verification.category,
            verification.priority,
            verification.location,
            verification.summary,
            list(verification.agencies),
            list(verification.posts),
        )
    )

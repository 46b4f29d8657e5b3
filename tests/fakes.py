"""In-memory implementations of the core ports, with the same contract as the AWS adapters.

tests/unit/test_repository_contract.py runs one suite against both this repository and the DynamoDB
one (on moto), so a handler test that passes on the fake says something about production too.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.agency_delivery import DeliveryRequest
from core.calls import call_times
from core.contacts import contact_dedupe_key
from core.deliveries import BacklogMessage, Pending
from core.directory_models import AgencyType, DirectoryChange, Post
from core.errors import (
    CallerStandingChanged,
    CallRecordConflict,
    ConcurrentModification,
    DirectoryConflict,
    IncidentNotFound,
    MessageRepeated,
)
from core.intervals import outcome
from core.lifecycle import Change, awaiting_callback, registration_audit
from core.major_incidents import ActiveMajorIncidents
from core.messaging import backlog_bodies
from core.models import (
    AmlFix,
    AuditEntry,
    CallRecord,
    Dispatch,
    Incident,
    IncidentDetail,
    IncidentReport,
    OperatorAccount,
    Page,
    Status,
)
from core.notices import Notice, PendingNotice
from core.repository import (
    CALLBACK_PARTITION,
    STANDINGS_PARTITION,
    caller_pk,
    decode_cursor,
    encode_cursor,
    incident_pk,
    sortable_time,
)
from core.rollups import Contribution, Counts, Row, Stored
from core.search import Search
from core.standing import CallerAuditEntry, CallerLookup, CallerRecord, PastCall, StandingPage
from core.tables import CALLBACK_INDEX, STATUS_INDEX, Index
from tests.support import load_event


class InMemoryIncidentRepository:
    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.timelines: dict[str, list[AuditEntry]] = {}
        self.dispatches: dict[str, dict[str, Dispatch]] = {}
        self.dedupe: dict[str, str] = {}
        self.positions: dict[str, tuple[AmlFix, int]] = {}  # key -> (fix, expires_at)
        self.counters: Counter[tuple[str, str]] = Counter()
        self.callers: dict[str, tuple[CallerRecord, int | None]] = {}  # number -> (record, expires_at)
        self.caller_audit: dict[str, list[tuple[CallerAuditEntry, int]]] = {}  # oldest first, with TTL
        self.marks: dict[str, str] = {}
        self.outbox: dict[str, PendingNotice] = {}  # the agencies' notices not known to be queued, by key
        self.call_records: dict[str, CallRecord] = {}  # contact id -> the merged record
        self.majors = ActiveMajorIncidents()  # the active major incidents' item
        self.snapshot_fails = False  # caller_snapshot raises, as a read past its time limit does
        self.projected: dict[str, CallRecord] = {}  # incident id -> its copy of the call's record
        self.senders: dict[str, tuple[str, int]] = {}  # sender -> (latest incident id, expires_at)
        self.calls: Counter[str] = Counter()
        self._lock = threading.RLock()  # save_major_incidents commits inside it

    def create(
        self,
        incident: Incident,
        dedupe_key: str | None = None,
        reason: str | None = None,
        sender: str | None = None,
    ) -> tuple[Incident, bool]:
        self.calls["create"] += 1
        with self._lock:
            if dedupe_key and dedupe_key in self.dedupe:
                return self.incidents[self.dedupe[dedupe_key]], False
            if incident.id in self.incidents:
                raise ValueError(f"incident {incident.id} exists")
            self.incidents[incident.id] = incident
            self.timelines[incident.id] = [registration_audit(incident, reason)]
            self.dispatches[incident.id] = {}
            if dedupe_key:
                self.dedupe[dedupe_key] = incident.id
            if sender:
                self.senders[sender] = (incident.id, int(incident.received_at.timestamp()) + 86400)
            return incident, True

    def get(self, incident_id: str) -> Incident:
        self.calls["get"] += 1
        try:
            return self.incidents[incident_id]
        except KeyError:
            raise IncidentNotFound(incident_id) from None

    def get_detail(self, incident_id: str) -> IncidentDetail:
        self.calls["get_detail"] += 1
        incident = self.get(incident_id)
        self.calls["get"] -= 1
        call = self.projected.get(incident_id)
        return IncidentDetail(
            **incident.model_dump(),
            timeline=list(self.timelines[incident_id]),
            dispatches=sorted(self.dispatches[incident_id].values(), key=lambda d: d.agency),
            call=call_times(call, incident.claimed_at) if call else None,
        )

    def list_by_status(self, status: Status, limit: int, cursor: str | None = None) -> Page:
        self.calls["list_by_status"] += 1
        return self._oldest_first(
            STATUS_INDEX, f"STATUS#{status}", lambda i: i.status is status, limit, cursor
        )

    def search(self, search: Search, limit: int, cursor: str | None = None) -> Page:
        """The same answers as the DynamoDB search, without its pages' bounded reads: newest first,
        the cursor the id of the last incident returned."""
        self.calls["search"] += 1
        lowest, highest = search.id_bounds()
        found = sorted(
            (
                incident
                for incident in self.incidents.values()
                if lowest <= incident.id <= highest
                and (search.caller is None or incident.caller == search.caller)
                and (
                    search.district is None
                    or (incident.location and incident.location.district) == search.district
                )
                and (search.category is None or incident.category is search.category)
                and (search.outcome is None or outcome(incident.model_dump(mode="json")) is search.outcome)
                and (cursor is None or incident.id < cursor)
            ),
            key=lambda incident: incident.id,
            reverse=True,
        )
        page = found[:limit]
        return Page(items=page, next_cursor=page[-1].id if len(found) > limit else None)

    def list_callbacks(self, limit: int, cursor: str | None = None) -> Page:
        self.calls["list_callbacks"] += 1
        return self._oldest_first(CALLBACK_INDEX, CALLBACK_PARTITION, awaiting_callback, limit, cursor)

    def _oldest_first(
        self, index: Index, partition: str, member: Any, limit: int, cursor: str | None
    ) -> Page:
        sort_key = index.sort_key.name if index.sort_key else ""
        after = decode_cursor(cursor, partition, index)[sort_key]["S"] if cursor else ""
        matching = sorted(
            (i for i in self.incidents.values() if member(i) and i.id > after), key=lambda i: i.id
        )
        page = matching[:limit]
        next_cursor = None
        if len(matching) > limit:
            last = page[-1]
            next_cursor = encode_cursor(
                {
                    "pk": {"S": incident_pk(last.id)},
                    "sk": {"S": "INCIDENT"},
                    index.partition_key.name: {"S": partition},
                    sort_key: {"S": last.id},
                }
            )
        return Page(items=page, next_cursor=next_cursor)

    def call_record(self, contact_id: str) -> CallRecord | None:
        self.calls["call_record"] += 1
        return self.call_records.get(contact_id)

    def save_call_record(self, record: CallRecord, expected_revision: int | None) -> None:
        self.calls["save_call_record"] += 1
        with self._lock:
            current = self.call_records.get(record.contact_id)
            if (current.revision if current else None) != expected_revision:
                raise CallRecordConflict(record.contact_id)
            self.call_records[record.contact_id] = record

    def incident_for_contact(self, contact_id: str) -> str | None:
        self.calls["incident_for_contact"] += 1
        return self.dedupe.get(contact_dedupe_key(contact_id))

    def project_call(self, incident_id: str, record: CallRecord) -> None:
        self.calls["project_call"] += 1
        with self._lock:
            current = self.projected.get(incident_id)
            if current is None or current.revision < record.revision:
                self.projected[incident_id] = record

    def recent_by_caller(self, caller: str, limit: int) -> list[Incident]:
        self.calls["recent_by_caller"] += 1
        mine = [i for i in self.incidents.values() if i.caller == caller]
        return sorted(mine, key=lambda i: i.id, reverse=True)[:limit]

    def caller_lookup(self, caller: str, since: datetime, limit: int, now: datetime) -> CallerLookup:
        self.calls["caller_lookup"] += 1
        floor = since.timestamp()
        mine = [
            i for i in self.incidents.values() if i.caller == caller and i.received_at.timestamp() >= floor
        ]
        kept = self.positions.get(caller)
        record = self.callers.get(caller)
        history = sorted(mine, key=lambda i: i.id, reverse=True)[:limit]
        return CallerLookup(
            calls=[PastCall.of(incident) for incident in history],
            record=record[0] if record else None,
            position=kept[0] if kept and kept[1] > int(now.timestamp()) else None,
            history=history,
        )

    def caller_snapshot(self, caller: str | None, now: datetime) -> CallerLookup:
        self.calls["caller_snapshot"] += 1
        if self.snapshot_fails:
            raise TimeoutError("the snapshot's read timed out (simulated)")
        kept = self.positions.get(caller) if caller else None
        found = self.callers.get(caller) if caller else None
        record = found[0] if found else None
        return CallerLookup(
            calls=list(record.calls) if record else [],
            record=record,
            position=kept[0] if kept and kept[1] > int(now.timestamp()) else None,
            majors=self.majors.model_copy(deep=True),
        )

    def major_incidents(self) -> ActiveMajorIncidents:
        self.calls["major_incidents"] += 1
        return self.majors.model_copy(deep=True)

    def save_major_incidents(
        self, active: ActiveMajorIncidents, expected_version: int, change: Change
    ) -> ActiveMajorIncidents:
        self.calls["save_major_incidents"] += 1
        with self._lock:
            if self.majors.version != expected_version:
                raise ConcurrentModification(change.incident.id)
            self._commit([change])
            self.majors = active.model_copy(deep=True)
        return active

    def caller_record(self, caller: str) -> CallerRecord | None:
        self.calls["caller_record"] += 1
        found = self.callers.get(caller)
        return found[0] if found else None

    def save_caller_record(
        self,
        record: CallerRecord,
        expected_version: int,
        expires_at: int | None,
        audit: CallerAuditEntry | None = None,
        audit_expires_at: int | None = None,
    ) -> CallerRecord:
        self.calls["save_caller_record"] += 1
        with self._lock:
            current = self.callers.get(record.caller)
            if (current[0].version if current else 0) != expected_version:
                raise CallerStandingChanged(record.caller)
            saved = record.model_copy(update={"version": expected_version + 1})
            self.callers[record.caller] = (saved, expires_at)
            if audit is not None:
                assert audit_expires_at is not None
                self.caller_audit.setdefault(record.caller, []).append((audit, audit_expires_at))
            return saved

    def caller_timeline(self, caller: str, limit: int) -> list[CallerAuditEntry]:
        self.calls["caller_timeline"] += 1
        entries = [entry for entry, _ in self.caller_audit.get(caller, [])]
        return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]

    def list_standings(self, after: datetime, limit: int, cursor: str | None = None) -> StandingPage:
        self.calls["list_standings"] += 1
        keys = []
        for record, _ in self.callers.values():
            until = record.listed_until()
            if until is not None:
                keys.append((f"{sortable_time(until)}#{record.caller}", record))
        start = decode_cursor(cursor, STANDINGS_PARTITION)["gsi1sk"]["S"] if cursor else sortable_time(after)
        matching = sorted((k, r) for k, r in keys if k > start)
        page = matching[:limit]
        next_cursor = None
        if len(matching) > limit:
            key, last = page[-1]
            next_cursor = encode_cursor(
                {
                    "pk": {"S": caller_pk(last.caller)},
                    "sk": {"S": "STANDING"},
                    "gsi1pk": {"S": STANDINGS_PARTITION},
                    "gsi1sk": {"S": key},
                }
            )
        return StandingPage(items=[r for _, r in page], next_cursor=next_cursor)

    def incidents_between(self, status: Status, after_id: str, before_id: str, limit: int) -> list[Incident]:
        self.calls["incidents_between"] += 1
        found = [i for i in self.incidents.values() if i.status is status and after_id < i.id < before_id]
        return sorted(found, key=lambda i: i.id)[:limit]

    def mask_caller(
        self, incident: Incident, masked: str | None, reports: Sequence[IncidentReport] | None = None
    ) -> bool:
        self.calls["mask_caller"] += 1
        with self._lock:
            current = self.incidents.get(incident.id)
            if current is None or current.version != incident.version:
                return False
            aml = current.aml
            if aml is not None:
                number = masked if aml.number and masked is not None else aml.number
                aml = aml.model_copy(update={"imei": None, "number": number})
            update: dict[str, Any] = {"caller": None, "aml": aml}
            if masked is not None:
                update["caller_masked"] = masked
            if reports is not None:
                update["reports"] = list(reports)
            self.incidents[incident.id] = current.model_copy(update=update)
            return True

    def keep_notice(self, pending: PendingNotice) -> None:
        self.calls["keep_notice"] += 1
        self.outbox[pending.key] = pending

    def pending_notices(self, before: datetime, limit: int) -> list[PendingNotice]:
        self.calls["pending_notices"] += 1
        return [p for _, p in sorted(self.outbox.items()) if p.at < before][:limit]

    def notice_queued(self, pending: PendingNotice) -> None:
        self.calls["notice_queued"] += 1
        self.outbox.pop(pending.key, None)

    def retention_mark(self, name: str) -> str | None:
        self.calls["retention_mark"] += 1
        return self.marks.get(name)

    def set_retention_mark(self, name: str, mark: str) -> None:
        self.calls["set_retention_mark"] += 1
        self.marks[name] = mark

    def keep_position(self, key: str, fix: AmlFix, expires_at: int) -> None:
        self.calls["keep_position"] += 1
        self.positions[key] = (fix, expires_at)

    def kept_position(self, key: str, now_epoch: int) -> AmlFix | None:
        self.calls["kept_position"] += 1
        kept = self.positions.get(key)
        return kept[0] if kept and kept[1] > now_epoch else None

    def count_request(self, client: str, window: str, expires_at: int) -> int:
        self.calls["count_request"] += 1
        with self._lock:
            self.counters[(client, window)] += 1
            return self.counters[(client, window)]

    def commit(self, change: Change) -> Incident:
        self.calls["commit"] += 1
        return self._commit([change])[0]

    def commit_together(self, changes: Sequence[Change]) -> list[Incident]:
        self.calls["commit_together"] += 1
        return self._commit(changes)

    def _commit(self, changes: Sequence[Change]) -> list[Incident]:
        with self._lock:
            for change in changes:
                incident_id = change.incident.id
                current = self.incidents.get(incident_id)
                if current is None or current.version != change.expected_version:
                    raise ConcurrentModification(changes[0].incident.id)
                existing = self.dispatches[incident_id]
                for write in change.dispatch_writes:
                    found = existing.get(write.dispatch.agency)
                    if (found.status if found else None) != write.expected_status:
                        raise ConcurrentModification(incident_id)
                if change.dedupe_key and change.dedupe_key in self.dedupe:
                    raise MessageRepeated(self.dedupe[change.dedupe_key])
            for change in changes:
                incident_id = change.incident.id
                self.incidents[incident_id] = change.incident
                self.timelines[incident_id].append(change.audit)
                for write in change.dispatch_writes:
                    self.dispatches[incident_id][write.dispatch.agency] = write.dispatch
                if change.dedupe_key:
                    self.dedupe[change.dedupe_key] = incident_id
                if change.notice is not None:
                    pending = PendingNotice(incident_id=incident_id, notice=change.notice, at=change.audit.at)
                    self.outbox[pending.key] = pending
            return [change.incident for change in changes]

    def recent_by_status(self, status: Status, since: datetime, limit: int) -> list[Incident]:
        self.calls["recent_by_status"] += 1
        found = [i for i in self.incidents.values() if i.status is status and i.received_at >= since]
        return sorted(found, key=lambda i: i.id, reverse=True)[:limit]

    def sender_incident(self, sender: str, now_epoch: int) -> str | None:
        self.calls["sender_incident"] += 1
        kept = self.senders.get(sender)
        return kept[0] if kept and kept[1] > now_epoch else None


class RecordingDeliveryQueue:
    """DeliveryQueue that remembers what was queued (agency-delivery's requests)."""

    def __init__(self) -> None:
        self.requests: list[DeliveryRequest] = []

    def enqueue(self, requests: Sequence[DeliveryRequest]) -> None:
        self.requests.extend(requests)


class RecordingDispatchQueue:
    """Remembers what was queued; `failing=True` makes enqueue raise like an unreachable SQS."""

    def __init__(self, failing: bool = False) -> None:
        self.sent: list[str] = []
        self.notices: list[tuple[str, Notice]] = []
        self.failing = failing

    def enqueue(self, incident: Incident) -> str:
        if self.failing:
            raise ConnectionError("SQS unreachable")
        self.sent.append(incident.id)
        return f"msg-{len(self.sent)}"

    def enqueue_notice(self, incident_id: str, notice: Notice) -> str:
        if self.failing:
            raise ConnectionError("SQS unreachable")
        self.notices.append((incident_id, notice))
        return f"notice-{len(self.notices)}"


class RecordingNotifier:
    """Remembers every notification; agencies in `failing_for` raise, like an SNS outage."""

    def __init__(self, failing_for: set[str] | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failing_for = failing_for or set()

    def notify(self, incident: Incident, agency: str) -> str:
        if agency in self.failing_for:
            raise ConnectionError(f"SNS unreachable for {agency}")
        self.sent.append((incident.id, agency))
        return f"sns-{incident.id}-{agency}"


class FakeDirectory:
    """The operators' directory as a list: enough to pick whom to hand an incident to."""

    def __init__(self, accounts: list[OperatorAccount] | None = None) -> None:
        self.accounts = accounts or [
            OperatorAccount(username=f"operator{n}", name=f"Operator {n}", groups=["operator"])
            for n in (1, 2, 3)
        ] + [OperatorAccount(username="supervisor", name="Supervisor", groups=["supervisor"])]

    def operators(self) -> list[OperatorAccount]:
        return list(self.accounts)


class RecordingBacklog:
    """ReportBacklog that keeps the queue messages SqsReportBacklog would send (the same bodies), for
    a test to hand to intake-backlog as an SQS batch; `failing=True` raises like an unreachable SQS."""

    def __init__(self, failing: bool = False) -> None:
        self.bodies: list[str] = []
        self.failing = failing

    def put(self, items: Sequence[Pending]) -> None:
        if self.failing:
            raise ConnectionError("SQS unreachable")
        self.bodies += list(backlog_bodies(items))

    @property
    def queued(self) -> int:
        return sum(len(BacklogMessage.model_validate_json(body).reports) for body in self.bodies)

    def take_batch(self) -> dict[str, Any]:
        """Everything queued so far as one SQS event of the backlog queue (events/sqs/backlog-batch.json
        with these bodies); the queue is then empty."""
        template = load_event("sqs/backlog-batch.json")["Records"][0]
        records = []
        for n, body in enumerate(self.bodies):
            record = copy.deepcopy(template)
            record["messageId"] = f"backlog-{n}"
            record["body"] = body
            record["md5OfBody"] = hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
            records.append(record)
        self.bodies = []
        return {"Records": records}


class InMemoryAgencyStore:
    """AgencyStore in dictionaries, with the DynamoDB store's contract (tests/unit/test_agency_store.py):
    conditional writes by version, an entry and its history written together, newest history first."""

    def __init__(self) -> None:
        self.types: dict[str, AgencyType] = {}
        self.posts: dict[str, Post] = {}
        self.changes: dict[str, list[DirectoryChange]] = {}
        self.calls: Counter[str] = Counter()
        self.failing = False  # load() raises like an unreachable table
        self._lock = threading.Lock()

    def load(self) -> tuple[list[AgencyType], list[Post]]:
        self.calls["load"] += 1
        if self.failing:
            raise ConnectionError("DynamoDB unreachable")
        return list(self.types.values()), [p.model_copy() for p in self.posts.values()]

    def get_type(self, code: str) -> AgencyType | None:
        self.calls["get_type"] += 1
        return self.types.get(code)

    def get_post(self, post_id: str) -> Post | None:
        self.calls["get_post"] += 1
        return self.posts.get(post_id)

    def posts_of_type(self, code: str, district: str | None = None) -> list[Post]:
        self.calls["posts_of_type"] += 1
        return [
            p
            for p in self.posts.values()
            if p.agency == code and (district is None or district in p.districts or p.regency_level)
        ]

    def history(self, entry: str, limit: int) -> list[DirectoryChange]:
        self.calls["history"] += 1
        return sorted(self.changes.get(entry, []), key=lambda c: c.version, reverse=True)[:limit]

    def put_type(
        self, agency_type: AgencyType, expected_version: int | None, change: DirectoryChange
    ) -> None:
        self.calls["put_type"] += 1
        self._put(self.types, agency_type.code, agency_type, expected_version, change)

    def put_post(self, post: Post, expected_version: int | None, change: DirectoryChange) -> None:
        self.calls["put_post"] += 1
        self._put(self.posts, post.id, post, expected_version, change)

    def _put(
        self, entries: dict[str, Any], key: str, entry: Any, expected: int | None, change: DirectoryChange
    ) -> None:
        with self._lock:
            current = entries.get(key)
            if expected is None and current is not None:
                raise DirectoryConflict(change.entry, "exists already")
            if expected is not None and (current is None or current.version != expected):
                raise DirectoryConflict(change.entry)
            if any(c.version == change.version for c in self.changes.get(change.entry, [])):
                raise DirectoryConflict(change.entry)
            entries[key] = entry
            self.changes.setdefault(change.entry, []).append(change)


class ReversibleSealer:
    """SecretSealer for tests: reversible only for the same owner, and plainly not the secret itself."""

    def seal(self, owner: str, secret: str) -> str:
        return "sealed:" + base64.b64encode(f"{owner}\n{secret}".encode()).decode()

    def unseal(self, owner: str, sealed: str) -> str:
        sealed_for, _, secret = base64.b64decode(sealed.removeprefix("sealed:")).decode().partition("\n")
        if sealed_for != owner:
            raise PermissionError("sealed for another post")
        return secret


class FakeAgents:
    """AgentDirectory as a map of agent ARNs to usernames; an ARN it does not know has no username."""

    def __init__(self, usernames: dict[str, str] | None = None) -> None:
        self.usernames = usernames or {}
        self.asked: list[str] = []

    def username(self, agent_arn: str) -> str | None:
        self.asked.append(agent_arn)
        return self.usernames.get(agent_arn)


class InMemoryIncidentItems:
    """IncidentItems (core/rollups.py): an incident's stored attributes, its dispatches' and its call's."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]] = {}
        self.reads: Counter[str] = Counter()

    def put(
        self,
        incident: dict[str, Any],
        dispatches: Sequence[dict[str, Any]] = (),
        call: dict[str, Any] | None = None,
    ) -> None:
        self.items[str(incident["id"])] = (incident, list(dispatches), call)

    def read(self, incident_id: str) -> tuple[Any, list[Any], Any]:
        self.reads[incident_id] += 1
        return copy.deepcopy(self.items.get(incident_id, (None, [], None)))


class InMemoryAggregates:
    """Aggregates (core/rollups.py) with the DynamoDB adapter's contract: a replace conditional on the
    stored revision, the counters changed by the difference in the same step."""

    def __init__(self) -> None:
        self.contributions: dict[str, Stored] = {}
        self.hour_counts: dict[str, Counter[str]] = {}
        self.day_counts: dict[str, Counter[str]] = {}
        self.month_rows: dict[str, dict[str, Row]] = {}
        self.replaced = 0
        self._lock = threading.Lock()

    def contribution(self, incident_id: str) -> Stored | None:
        return self.contributions.get(incident_id)

    def replace(self, incident_id: str, new: Contribution | None, old: Stored | None) -> None:
        with self._lock:
            if self.contributions.get(incident_id) != old:
                raise ConcurrentModification(incident_id)
            for periods, key in ((self.hour_counts, "hour"), (self.day_counts, "day")):
                if old is not None:
                    periods.setdefault(getattr(old.contribution, key), Counter()).subtract(
                        old.contribution.counts
                    )
                if new is not None:
                    periods.setdefault(getattr(new, key), Counter()).update(new.counts)
            if old is not None:
                self.month_rows.get(old.contribution.month, {}).pop(incident_id, None)
            if new is not None:
                self.month_rows.setdefault(new.month, {})[incident_id] = dict(new.row)
            if new is None:
                self.contributions.pop(incident_id, None)
            else:
                self.contributions[incident_id] = Stored(new, old.revision + 1 if old else 1)
            self.replaced += 1

    def rows(self, month: str) -> list[Row]:
        return [row for _, row in sorted(self.month_rows.get(month, {}).items())]

    def hours(self, first: str, last: str) -> list[tuple[str, Counts]]:
        return _between(self.hour_counts, first, last)

    def days(self, first: str, last: str) -> list[tuple[str, Counts]]:
        return _between(self.day_counts, first, last)


def _between(periods: dict[str, Counter[str]], first: str, last: str) -> list[tuple[str, Counts]]:
    return [
        (key, {name: value for name, value in counts.items() if value})
        for key, counts in sorted(periods.items())
        if first <= key <= last
    ]

"""The ports the domain talks through. The adapters (DynamoDB, SQS, SNS, S3, Cognito: the list is in
`core`) implement them in production; tests hand in in-memory fakes (tests/fakes.py) that keep the same
contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from core.lifecycle import Change
from core.models import (
    AmlFix,
    CallRecord,
    Incident,
    IncidentDetail,
    IncidentReport,
    OperatorAccount,
    Page,
    Status,
)
from core.standing import CallerAuditEntry, CallerLookup, CallerRecord, StandingPage

if TYPE_CHECKING:
    from core.agency_delivery import DeliveryRequest
    from core.deliveries import Pending
    from core.directory_models import AgencyType, DirectoryChange, Post
    from core.major_incidents import ActiveMajorIncidents
    from core.notices import Notice, PendingNotice
    from core.replies import Reply
    from core.search import Search


class IncidentRepository(Protocol):
    def create(
        self,
        incident: Incident,
        dedupe_key: str | None = None,
        reason: str | None = None,
        sender: str | None = None,
    ) -> tuple[Incident, bool]:
        """Store a new incident with its registration audit entry (`reason`: why, when it says), atomically.

        With a `dedupe_key` (a channel's own message id, e.g. `CONTACT#<ContactId>`), a second create
        with the same key stores nothing and returns the incident the first one created, and False.
        With a `sender` (`<channel>#<platform id>`), the incident becomes that sender's latest, which their
        follow-up messages join (core/conversations.py).
        """
        ...

    def get(self, incident_id: str) -> Incident:
        """The incident, or IncidentNotFound."""
        ...

    def get_detail(self, incident_id: str) -> IncidentDetail:
        """The incident with its timeline and dispatches, or IncidentNotFound."""
        ...

    def list_by_status(self, status: Status, limit: int, cursor: str | None = None) -> Page:
        """Incidents in `status`, oldest first, `limit` at a time."""
        ...

    def recent_by_status(self, status: Status, since: datetime, limit: int) -> list[Incident]:
        """Incidents in `status` received since `since`, newest first, at most `limit`."""
        ...

    def sender_incident(self, sender: str, now_epoch: int) -> str | None:
        """The id of a social sender's latest incident (see `create`), unless expired at `now_epoch`."""
        ...

    def search(self, search: Search, limit: int, cursor: str | None = None) -> Page:
        """Past incidents matching `search`, newest first, a page at a time (core/search.py)."""
        ...

    def recent_by_caller(self, caller: str, limit: int) -> list[Incident]:
        """The caller's latest incidents (E.164), newest first."""
        ...

    def caller_lookup(self, caller: str, since: datetime, limit: int, now: datetime) -> CallerLookup:
        """One read of what is kept under a number: its incidents received since `since` (at most
        `limit`, newest first), its record of supervisors' decisions, and a handset position kept for its
        call (unless expired at `now`)."""
        ...

    def caller_snapshot(self, caller: str | None, now: datetime) -> CallerLookup:
        """Before a 112 call is stored, one short read by key: the number's record (with the calls its
        last assessment kept), a handset position kept for its call (unless expired at `now`), and the
        active major incidents (`majors`). Without a number (withheld), the major incidents only."""
        ...

    def major_incidents(self) -> ActiveMajorIncidents:
        """The major incidents active now (core.major_incidents): one item, read consistently."""
        ...

    def save_major_incidents(
        self, active: ActiveMajorIncidents, expected_version: int, change: Change
    ) -> ActiveMajorIncidents:
        """Store the active declarations if still at `expected_version` (0: never stored), with the
        parent's change (its audit entry), in one transaction; ConcurrentModification otherwise."""
        ...

    def caller_record(self, caller: str) -> CallerRecord | None:
        """The number's record, read consistently (to change it)."""
        ...

    def save_caller_record(
        self,
        record: CallerRecord,
        expected_version: int,
        expires_at: int | None,
        audit: CallerAuditEntry | None = None,
        audit_expires_at: int | None = None,
    ) -> CallerRecord:
        """Store the record (version + 1) if it is still at `expected_version` (0: new), with the audit
        entry of a person's change, atomically; CallerStandingChanged otherwise. `expires_at`: when it may
        be deleted (epoch seconds; None: kept)."""
        ...

    def caller_timeline(self, caller: str, limit: int) -> list[CallerAuditEntry]:
        """The number's audit trail (who changed its standing), newest first."""
        ...

    def list_standings(self, after: datetime, limit: int, cursor: str | None = None) -> StandingPage:
        """Records whose standing lasts beyond `after`, the soonest to end first, a page at a time."""
        ...

    def incidents_between(self, status: Status, after_id: str, before_id: str, limit: int) -> list[Incident]:
        """Incidents in `status` with ids strictly between the two, oldest first."""
        ...

    def mask_caller(
        self, incident: Incident, masked: str | None, reports: Sequence[IncidentReport] | None = None
    ) -> bool:
        """Replace the incident's number (and its handset's) by `masked` (None: it has none left), out of
        the caller index, and its reports by `reports` when given, if it is still at its version; False
        otherwise."""
        ...

    def keep_notice(self, pending: PendingNotice) -> None:
        """Put a notice in the outbox outside a change's transaction (one committed by another service)."""
        ...

    def pending_notices(self, before: datetime, limit: int) -> list[PendingNotice]:
        """The outbox's notices committed before `before`, oldest first, at most `limit`."""
        ...

    def notice_queued(self, pending: PendingNotice) -> None:
        """Take a queued notice out of the outbox (gone already: nothing happens)."""
        ...

    def retention_mark(self, name: str) -> str | None:
        """How far the retention job has come in one list (the last id it handled)."""
        ...

    def set_retention_mark(self, name: str, mark: str) -> None: ...

    def keep_position(self, key: str, fix: AmlFix, expires_at: int) -> None:
        """Keep a handset position (AML) under a number or IMEI until `expires_at` (epoch seconds)."""
        ...

    def kept_position(self, key: str, now_epoch: int) -> AmlFix | None:
        """The position kept under `key`, unless it has expired."""
        ...

    def count_request(self, client: str, window: str, expires_at: int) -> int:
        """Count one more request by `client` in `window`; the count so far, this one included."""
        ...

    def commit(self, change: Change) -> Incident:
        """Apply a lifecycle change atomically if the incident is still at `change.expected_version`
        (and each dispatch record in its expected state); ConcurrentModification otherwise. A change
        with a `dedupe_key` already recorded changes nothing: MessageRepeated, naming its incident."""
        ...

    def commit_together(self, changes: Sequence[Change]) -> list[Incident]:
        """Apply changes to several incidents atomically, each as `commit` would: all, or none."""
        ...

    # -- the callback desk and the calls' contact events (core/callbacks.py, core/calls.py) ----------

    def list_callbacks(self, limit: int, cursor: str | None = None) -> Page:
        """Incidents awaiting a callback (lifecycle.awaiting_callback), oldest first, `limit` at a time."""
        ...

    def call_record(self, contact_id: str) -> CallRecord | None:
        """The record of a call's contact events, under its initial contact id (lowercase)."""
        ...

    def save_call_record(self, record: CallRecord, expected_revision: int | None) -> None:
        """Store the record if the stored one is still at `expected_revision` (None: there is none yet);
        CallRecordConflict otherwise."""
        ...

    def incident_for_contact(self, contact_id: str) -> str | None:
        """The id of the incident registered for the call (its contact's DEDUPE item), if any."""
        ...

    def project_call(self, incident_id: str, record: CallRecord) -> None:
        """Copy the call's record onto its incident (GET /incidents/{id} shows it), unless the incident
        already holds a later revision: copies arriving in any order leave the latest."""
        ...


class DispatchQueue(Protocol):
    def enqueue(self, incident: Incident) -> str:
        """Ask the dispatch worker to forward a VERIFIED incident; returns the message id."""
        ...

    def enqueue_notice(self, incident_id: str, notice: Notice) -> str:
        """Ask the dispatch worker to tell the posts of a change after dispatch (core.notices)."""
        ...


class OperatorDirectory(Protocol):
    def operators(self) -> list[OperatorAccount]:
        """Everyone in the operator or supervisor group, by username."""
        ...


class RawArchive(Protocol):
    def put(self, channel: str, body: bytes, metadata: Mapping[str, str]) -> str:
        """Store an inbound request's raw body before anything reads it; returns where (a key)."""
        ...

    def put_refused(self, channel: str, body: bytes, metadata: Mapping[str, str]) -> str:
        """Store what a refused request sent (cut short by the caller) where it expires within days."""
        ...


class ReplyQueue(Protocol):
    def enqueue(self, reply: Reply) -> str:
        """Ask the reply sender to answer a citizen on the channel they wrote on."""
        ...


class ReportBacklog(Protocol):
    def put(self, items: Sequence[Pending]) -> None:
        """Hand messages of a delivery, durably, to the worker that registers them; raises if any could
        not be queued."""
        ...


class AgencyNotifier(Protocol):
    def notify(self, incident: Incident, agency: str) -> str:
        """Tell one agency about a verified incident; returns the notification's message id."""
        ...


class DeliveryQueue(Protocol):
    def enqueue(self, requests: Sequence[DeliveryRequest]) -> None:
        """Hand deliveries (incident x post x change) to agency-delivery, durably; raises if any was not
        taken (the caller tries again: each is sent once however often it is queued)."""
        ...


class AgencyStore(Protocol):
    """The agency directory's entries and their history (core.tables DIRECTORY)."""

    def load(self) -> tuple[list[AgencyType], list[Post]]:
        """Every agency type and post, deactivated ones included (a bounded, consistent read)."""
        ...

    def get_type(self, code: str) -> AgencyType | None: ...

    def get_post(self, post_id: str) -> Post | None: ...

    def posts_of_type(self, code: str, district: str | None = None) -> list[Post]:
        """The type's posts; with `district`, only those listing it or covering the whole regency."""
        ...

    def history(self, entry: str, limit: int) -> list[DirectoryChange]:
        """An entry's changes (TYPE#<code>, POST#<id>), newest first."""
        ...

    def put_type(
        self, agency_type: AgencyType, expected_version: int | None, change: DirectoryChange
    ) -> None:
        """Store the type and its change atomically: a new one (`expected_version` None) only if it does not
        exist, else only if it is still at `expected_version`; DirectoryConflict otherwise."""
        ...

    def put_post(self, post: Post, expected_version: int | None, change: DirectoryChange) -> None:
        """As put_type, for a post (its sealed secret included)."""
        ...


class SecretSealer(Protocol):
    def seal(self, owner: str, secret: str) -> str:
        """The secret encrypted for `owner` (a post id), as text to store; only unseal(owner) opens it."""
        ...

    def unseal(self, owner: str, sealed: str) -> str: ...


class AgentDirectory(Protocol):
    def username(self, agent_arn: str) -> str | None:
        """The username of an Amazon Connect agent (the same as the operator's in Cognito), or None when
        it cannot be told (an agent of another instance, Connect unreachable)."""
        ...

"""The ports the domain talks through. The adapters (DynamoDB, SQS, SNS, S3, Cognito: the list is in
`core`) implement them in production; tests hand in in-memory fakes (tests/fakes.py) that keep the same
contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from core.lifecycle import Change
from core.models import (
    Agency,
    AmlFix,
    CallRecord,
    Incident,
    IncidentDetail,
    OperatorAccount,
    Page,
    Status,
)
from core.replies import Reply
from core.search import Search

if TYPE_CHECKING:
    from core.deliveries import Pending


class IncidentRepository(Protocol):
    def create(
        self, incident: Incident, dedupe_key: str | None = None, reason: str | None = None
    ) -> tuple[Incident, bool]:
        """Store a new incident with its registration audit entry (`reason`: why, when it says), atomically.

        With a `dedupe_key` (a channel's own message id, e.g. `CONTACT#<ContactId>`), a second create
        with the same key stores nothing and returns the incident the first one created, and False.
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

    def search(self, search: Search, limit: int, cursor: str | None = None) -> Page:
        """Past incidents matching `search`, newest first, a page at a time (core/search.py)."""
        ...

    def recent_by_caller(self, caller: str, limit: int) -> list[Incident]:
        """The caller's latest incidents (E.164), newest first."""
        ...

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
        (and each dispatch record in its expected state); ConcurrentModification otherwise."""
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
    def notify(self, incident: Incident, agency: Agency) -> str:
        """Tell one agency about a verified incident; returns the notification's message id."""
        ...


class AgentDirectory(Protocol):
    def username(self, agent_arn: str) -> str | None:
        """The username of an Amazon Connect agent (the same as the operator's in Cognito), or None when
        it cannot be told (an agent of another instance, Connect unreachable)."""
        ...

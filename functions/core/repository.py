"""DynamoDB data access for incidents (an adapter: the adapters that reach AWS are listed in `core`).

Layout and access patterns are described in `core.tables`. Every write that changes an incident is one
TransactWriteItems call, conditional on the version that was read, so a lost race surfaces as
ConcurrentModification (HTTP 409) and never as a silent overwrite.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel

from core.calls import call_times
from core.contacts import contact_dedupe_key
from core.errors import (
    CallerSnapshotIncomplete,
    CallerStandingChanged,
    CallRecordConflict,
    ConcurrentModification,
    IncidentNotFound,
    InvalidRequest,
    MessageRepeated,
)
from core.ids import day_partition, ulid_floor
from core.intervals import outcome
from core.lifecycle import Change, awaiting_callback, registration_audit
from core.major_incidents import ActiveMajorIncidents
from core.models import (
    AmlFix,
    AuditEntry,
    CallRecord,
    Dispatch,
    Incident,
    IncidentDetail,
    IncidentReport,
    Page,
    Status,
)
from core.standing import (
    CallerAuditEntry,
    CallerLookup,
    CallerRecord,
    PastCall,
    StandingPage,
)
from core.tables import CALLBACK_INDEX, CALLER_INDEX, DAY_INDEX, INCIDENTS, STATUS_INDEX, Index

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

    from core.notices import PendingNotice
    from core.search import Search

PK = INCIDENTS.partition_key.name
SK = INCIDENTS.sort_key.name if INCIDENTS.sort_key else "sk"
GSI_PK = STATUS_INDEX.partition_key.name
GSI_SK = STATUS_INDEX.sort_key.name if STATUS_INDEX.sort_key else "gsi1sk"
CALLER_PK = CALLER_INDEX.partition_key.name
CALLER_SK = CALLER_INDEX.sort_key.name if CALLER_INDEX.sort_key else "gsi2sk"
CALLBACK_PK = CALLBACK_INDEX.partition_key.name
CALLBACK_SK = CALLBACK_INDEX.sort_key.name if CALLBACK_INDEX.sort_key else "gsi3sk"
DAY_PK = DAY_INDEX.partition_key.name
DAY_SK = DAY_INDEX.sort_key.name if DAY_INDEX.sort_key else "gsi4sk"
OUTCOME = "outcome"  # what became of it (core/intervals.py), kept on the item for search to filter on
# One partition for the whole desk: it holds the calls awaiting a callback now, tens at a busy time.
CALLBACK_PARTITION = "CALLBACK"
TTL = INCIDENTS.ttl_attribute or "expires_at"

INCIDENT_SK = "INCIDENT"
AUDIT_PREFIX = "AUDIT#"
DISPATCH_PREFIX = "DISPATCH#"
DEDUPE_SK = "DEDUPE"
CALL_SK = "CALL"  # a call's contact events: under CALL#<contact>, and the copy under its incident
CALL_KEPT_SECONDS = 30 * 86400  # the record under the contact: its incident keeps the copy beyond
_CONFLICT_ATTEMPTS = 3
AML_SK = "AML"
CALLER_RECORD_SK = "STANDING"
RETENTION_SK = "MARK"
# A social sender's latest incident (core/conversations.py), under SENDER#<channel>#<platform id>: their
# follow-ups join it while it is open. Kept a day: a conversation older than that is a new report.
SENDER_PREFIX = "SENDER#"
SENDER_SK = "SENDER"
SENDER_KEPT_SECONDS = 86400
# The caller's own items in the by-caller index sort after every incident id (ULIDs are Crockford base32,
# all below "~"), so the intake's one newest-first Query returns them ahead of the history: the record of
# the supervisors' decisions, then a handset position (AML) waiting for the call.
CALLER_RECORD_KEY = "~STANDING"
CALLER_AML_KEY = "~AML"
CALLER_ITEMS_FROM = "~"
# The supervisors' list of current standings: a partition of the by-status index, sorted by when each ends.
STANDINGS_PARTITION = "STANDINGS"
# The active major incidents: one item under a fixed key, read with every 112 call's snapshot.
MAJOR_PK = "MAJOR#ACTIVE"
MAJOR_SK = "MAJOR"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
M = TypeVar("M", bound=BaseModel)

# Calls on the 112 path fail fast and retry: DynamoDB answers in milliseconds, so a call that has not
# answered within a second is retried rather than waited for. The flow gives the intake 3 s per attempt
# (Connect retries within its 8 s); should one attempt still run out, its write lands anyway and
# Connect's retry of the same ContactId returns that incident.
FAST_CONFIG = Config(
    connect_timeout=0.5, read_timeout=1, retries={"mode": "standard", "total_max_attempts": 3}
)


# Workers that drain a queue have time and nobody waiting on the line: a call slower than a second is
# waited for rather than sent again beside itself (a second transaction of the same items would only
# lose to the first and cost a read).
PATIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 3}
)


def dynamodb_client(config: Config | None = None) -> DynamoDBClient:
    return boto3.client("dynamodb", config=config or FAST_CONFIG)


def lookup_config(timeout_ms: int) -> Config:
    """The caller's history before a 112 call is stored: one attempt, answered within `timeout_ms` or
    given up (the standing is then NORMAL), so that it never holds the call's record back for long."""
    seconds = timeout_ms / 1000
    return Config(
        connect_timeout=seconds, read_timeout=seconds, retries={"mode": "standard", "total_max_attempts": 1}
    )


def caller_pk(caller: str) -> str:
    return f"CALLER#{caller}"


def sortable_time(moment: datetime) -> str:
    """A UTC time as fixed-width ISO 8601 (milliseconds, Z), so strings sort as the times do."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def incident_pk(incident_id: str) -> str:
    return f"INCIDENT#{incident_id}"


# DynamoDB numbers carry 38 digits between 1e-130 and 1e126; smaller magnitudes are stored as 0.
_SMALLEST = 1e-100


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(0) if abs(value) < _SMALLEST else Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value


def _item(model: BaseModel, keys: Mapping[str, str], kind: str) -> dict[str, Any]:
    data = _to_dynamo(model.model_dump(mode="json", exclude_none=True))
    data.update(keys)
    data["kind"] = kind
    return {k: _serializer.serialize(v) for k, v in data.items()}


def _model(model: type[M], item: Mapping[str, Any]) -> M:
    data = {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in item.items()}
    return model.model_validate(data)


def incident_item(incident: Incident) -> dict[str, Any]:
    keys = {
        PK: incident_pk(incident.id),
        SK: INCIDENT_SK,
        DAY_PK: day_partition(incident.id),
        DAY_SK: incident.id,
    }
    # Every incident is in the status index: the queue lists the open ones, and the retention sweep walks
    # each status's list oldest first (core/retention.py). The API lists no terminal status: past incidents
    # are found through the by-day index (GET /search, decision 54).
    keys |= {GSI_PK: f"STATUS#{incident.status}", GSI_SK: incident.id}
    if incident.caller:  # the caller index is sparse: an unknown (or masked) caller has no entry
        keys |= {CALLER_PK: caller_pk(incident.caller), CALLER_SK: incident.id}
    if awaiting_callback(incident):  # so is the callback desk's: only the calls it still has to call back
        keys |= {CALLBACK_PK: CALLBACK_PARTITION, CALLBACK_SK: incident.id}
    keys[OUTCOME] = outcome(incident.model_dump(mode="json")).value
    return _item(incident, keys, "INCIDENT")


def outbox_item(pending: PendingNotice) -> dict[str, Any]:
    """A notice not yet known to be queued (core/notices.py), in one partition, oldest first: the
    reconciler reads it from the start, a bounded page at a time. Its key is one per incident version, so
    writing it again (a retry) leaves one."""
    from core.notices import OUTBOX_PK  # noqa: PLC0415 (off the 112 call's imports)

    return {
        PK: {"S": OUTBOX_PK},
        SK: {"S": pending.key},
        "kind": {"S": "OUTBOX"},
        "pending": {"S": pending.model_dump_json(by_alias=True)},
    }


def call_pk(contact_id: str) -> str:
    return f"CALL#{contact_id}"


def audit_item(entry: AuditEntry) -> dict[str, Any]:
    return _item(
        entry, {PK: incident_pk(entry.incident_id), SK: f"{AUDIT_PREFIX}{entry.version:08d}"}, "AUDIT"
    )


def dispatch_item(dispatch: Dispatch) -> dict[str, Any]:
    keys = {PK: incident_pk(dispatch.incident_id), SK: f"{DISPATCH_PREFIX}{dispatch.agency}"}
    return _item(dispatch, keys, "DISPATCH")


def _dedupe_item(dedupe_key: str, incident: Incident) -> dict[str, Any]:
    return {
        PK: {"S": f"DEDUPE#{dedupe_key}"},
        SK: {"S": DEDUPE_SK},
        "kind": {"S": "DEDUPE"},
        "incident_id": {"S": incident.id},
        "created_at": {"S": incident.updated_at.isoformat()},
    }


def _sender_item(sender: str, incident: Incident) -> dict[str, Any]:
    item = {
        PK: {"S": f"{SENDER_PREFIX}{sender}"},
        SK: {"S": SENDER_SK},
        "kind": {"S": "SENDER"},
        "incident_id": {"S": incident.id},
        "since": {"S": sortable_time(incident.received_at)},
    }
    item[TTL] = {"N": str(int(incident.received_at.timestamp()) + SENDER_KEPT_SECONDS)}
    return item


def _reason_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


def _is_cancelled(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "TransactionCanceledException"


def caller_record_item(record: CallerRecord, expires_at: int | None) -> dict[str, Any]:
    keys = {
        PK: caller_pk(record.caller),
        SK: CALLER_RECORD_SK,
        CALLER_PK: caller_pk(record.caller),
        CALLER_SK: CALLER_RECORD_KEY,
    }
    until = record.listed_until()
    if until is not None:  # the supervisors' list is sparse: a number without a standing is not in it
        keys |= {GSI_PK: STANDINGS_PARTITION, GSI_SK: f"{sortable_time(until)}#{record.caller}"}
    item = _item(record, keys, "CALLER")
    if expires_at is not None:
        item[TTL] = {"N": str(expires_at)}
    return item


def caller_audit_item(entry: CallerAuditEntry, version: int, expires_at: int) -> dict[str, Any]:
    sk = f"{AUDIT_PREFIX}{sortable_time(entry.at)}#{version:08d}"
    item = _item(entry, {PK: caller_pk(entry.caller), SK: sk}, "CALLER_AUDIT")
    item[TTL] = {"N": str(expires_at)}
    return item


class DynamoIncidentRepository:
    """IncidentRepository on one DynamoDB table (see core.tables)."""

    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient | None = None,
        lookup_client: DynamoDBClient | None = None,
        lookup_timeout_ms: int = 300,
    ) -> None:
        self._table = table_name
        self._client = client or dynamodb_client()
        # A client given for both (the tests count its calls) serves the intake's urgent lookup too.
        self._lookup_client = lookup_client or (client if client is not None else None)
        self._lookup_timeout_ms = lookup_timeout_ms

    def _urgent_client(self) -> DynamoDBClient:
        if self._lookup_client is None:  # made on first use: only a 112 call's registration needs it
            self._lookup_client = dynamodb_client(lookup_config(self._lookup_timeout_ms))
        return self._lookup_client

    # -- writes --------------------------------------------------------------------------------------

    def create(
        self,
        incident: Incident,
        dedupe_key: str | None = None,
        reason: str | None = None,
        sender: str | None = None,
    ) -> tuple[Incident, bool]:
        audit = registration_audit(incident, reason)
        items: list[TransactWriteItemTypeDef] = [
            {"Put": {"TableName": self._table, "Item": incident_item(incident),
                     "ConditionExpression": f"attribute_not_exists({PK})"}},
            {"Put": {"TableName": self._table, "Item": audit_item(audit),
                     "ConditionExpression": f"attribute_not_exists({PK})"}},
        ]  # fmt: skip
        if sender:  # unconditional: the citizen's latest incident is the one their follow-ups join
            items.insert(0, {"Put": {"TableName": self._table, "Item": _sender_item(sender, incident)}})
        if dedupe_key:
            dedupe = _dedupe_item(dedupe_key, incident)
            items.append(
                {"Put": {"TableName": self._table, "Item": dedupe,
                         "ConditionExpression": f"attribute_not_exists({PK})",
                         "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
            )  # fmt: skip
        for attempt in range(3):
            try:
                self._client.transact_write_items(TransactItems=items)
                return incident, True
            except ClientError as error:
                if not _is_cancelled(error):
                    raise
                codes = _reason_codes(error)
                if dedupe_key and codes[-1:] == ["ConditionalCheckFailed"]:
                    return self._existing(dedupe_key, error), False
                if "TransactionConflict" in codes and attempt < 2:
                    # A concurrent retry of the same message holds the dedupe item: wait, then look again.
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _existing(self, dedupe_key: str, error: ClientError) -> Incident:
        reasons = error.response.get("CancellationReasons") or []
        old: Mapping[str, Any] = reasons[-1].get("Item", {}) if reasons else {}
        if "incident_id" in old:  # ReturnValuesOnConditionCheckFailure saved a read
            return self.get(str(_deserializer.deserialize(old["incident_id"])))
        response = self._client.get_item(
            TableName=self._table,
            Key={PK: {"S": f"DEDUPE#{dedupe_key}"}, SK: {"S": DEDUPE_SK}},
            ConsistentRead=True,
        )
        return self.get(str(_deserializer.deserialize(response["Item"]["incident_id"])))

    def commit(self, change: Change) -> Incident:
        return self.commit_together([change])[0]

    def commit_together(self, changes: Sequence[Change]) -> list[Incident]:
        """Apply changes to several incidents in one transaction, each conditional on its version (and its
        dispatch records, and its message's dedupe item): all of them, or ConcurrentModification."""
        items: list[TransactWriteItemTypeDef] = []
        dedupe_at: dict[int, Change] = {}
        for change in changes:
            items.extend(self._change_items(change))
            if change.dedupe_key:
                dedupe_at[len(items)] = change
                dedupe = _dedupe_item(change.dedupe_key, change.incident)
                items.append(
                    {"Put": {"TableName": self._table, "Item": dedupe,
                             "ConditionExpression": f"attribute_not_exists({PK})",
                             "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
                )  # fmt: skip
        first = changes[0].incident.id
        for attempt in range(_CONFLICT_ATTEMPTS):
            try:
                self._client.transact_write_items(TransactItems=items)
                return [change.incident for change in changes]
            except ClientError as error:
                if not _is_cancelled(error):
                    raise
                codes = _reason_codes(error)
                for index in dedupe_at:
                    if codes[index : index + 1] == ["ConditionalCheckFailed"]:
                        reasons = error.response.get("CancellationReasons") or []
                        old: Mapping[str, Any] = reasons[index].get("Item", {})
                        recorded = (
                            str(_deserializer.deserialize(old["incident_id"]))
                            if "incident_id" in old
                            else first
                        )
                        raise MessageRepeated(recorded) from error
                if "ConditionalCheckFailed" in codes:
                    raise ConcurrentModification(first) from error
                if "TransactionConflict" in codes and attempt < _CONFLICT_ATTEMPTS - 1:
                    # Another transaction holds these items right now: it may fail, so try again; if it
                    # commits, our version condition fails next time and the race is lost honestly.
                    time.sleep(0.05 * (attempt + 1))
                    continue
                if "TransactionConflict" in codes:
                    raise ConcurrentModification(first) from error
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _change_items(self, change: Change) -> list[TransactWriteItemTypeDef]:
        items: list[TransactWriteItemTypeDef] = [
            {"Put": {"TableName": self._table, "Item": incident_item(change.incident),
                     "ConditionExpression": "#version = :expected",
                     "ExpressionAttributeNames": {"#version": "version"},
                     "ExpressionAttributeValues": {":expected": {"N": str(change.expected_version)}}}},
            {"Put": {"TableName": self._table, "Item": audit_item(change.audit),
                     "ConditionExpression": f"attribute_not_exists({PK})"}},
        ]  # fmt: skip
        if change.notice is not None:
            from core.notices import PendingNotice  # noqa: PLC0415 (off the 112 call's imports)

            pending = PendingNotice(incident_id=change.incident.id, notice=change.notice, at=change.audit.at)
            items.append({"Put": {"TableName": self._table, "Item": outbox_item(pending)}})
        for write in change.dispatch_writes:
            put: dict[str, Any] = {"TableName": self._table, "Item": dispatch_item(write.dispatch)}
            if write.expected_status is None:
                put["ConditionExpression"] = f"attribute_not_exists({PK})"
            else:
                put["ConditionExpression"] = "#status = :expected"
                put["ExpressionAttributeNames"] = {"#status": "status"}
                put["ExpressionAttributeValues"] = {":expected": {"S": write.expected_status.value}}
            items.append({"Put": put})  # type: ignore[typeddict-item]
        return items

    # -- reads ---------------------------------------------------------------------------------------

    def get(self, incident_id: str) -> Incident:
        response = self._client.get_item(
            TableName=self._table,
            Key={PK: {"S": incident_pk(incident_id)}, SK: {"S": INCIDENT_SK}},
            ConsistentRead=True,
        )
        if "Item" not in response:
            raise IncidentNotFound(incident_id)
        return _model(Incident, response["Item"])

    def get_detail(self, incident_id: str) -> IncidentDetail:
        incident: dict[str, Any] | None = None
        timeline: list[AuditEntry] = []
        dispatches: list[Dispatch] = []
        call: CallRecord | None = None
        for item in self._partition(incident_pk(incident_id)):
            sk = item[SK]["S"]
            if sk == INCIDENT_SK:
                incident = item
            elif sk.startswith(AUDIT_PREFIX):
                timeline.append(_model(AuditEntry, item))
            elif sk.startswith(DISPATCH_PREFIX):
                dispatches.append(_model(Dispatch, item))
            elif sk == CALL_SK:
                call = _model(CallRecord, item)
        if incident is None:
            raise IncidentNotFound(incident_id)
        detail = _model(IncidentDetail, incident)
        times = call_times(call, detail.claimed_at) if call else None
        return detail.model_copy(update={"timeline": timeline, "dispatches": dispatches, "call": times})

    def _partition(self, pk: str) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": PK},
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        ):
            yield from page.get("Items", [])

    def list_by_status(self, status: Status, limit: int, cursor: str | None = None) -> Page:
        return self._oldest_first(STATUS_INDEX, f"STATUS#{status}", limit, cursor)

    def list_callbacks(self, limit: int, cursor: str | None = None) -> Page:
        return self._oldest_first(CALLBACK_INDEX, CALLBACK_PARTITION, limit, cursor)

    def _oldest_first(self, index: Index, partition: str, limit: int, cursor: str | None) -> Page:
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index.name,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": index.partition_key.name},
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ScanIndexForward": True,
            "Limit": limit,
        }
        if cursor:
            query["ExclusiveStartKey"] = decode_cursor(cursor, partition, index)
        response = self._client.query(**query)
        items = [_model(Incident, item) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return Page(items=items, next_cursor=encode_cursor(last) if last else None)

    def recent_by_status(self, status: Status, since: datetime, limit: int) -> list[Incident]:
        """Incidents in `status` received since `since`, newest first, at most `limit` (ids are ULIDs: the
        sort key of the status index is the arrival time)."""
        response = self._client.query(
            TableName=self._table,
            IndexName=STATUS_INDEX.name,
            KeyConditionExpression="#pk = :pk AND #sk >= :from",
            ExpressionAttributeNames={"#pk": GSI_PK, "#sk": GSI_SK},
            ExpressionAttributeValues={
                ":pk": {"S": f"STATUS#{status}"},
                ":from": {"S": ulid_floor(int(since.timestamp() * 1000))},
            },
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_model(Incident, item) for item in response.get("Items", [])]

    def sender_incident(self, sender: str, now_epoch: int) -> str | None:
        """The id of the latest incident from a social sender (SENDER#<channel>#<id>), unless expired."""
        response = self._client.get_item(
            TableName=self._table,
            Key={PK: {"S": f"{SENDER_PREFIX}{sender}"}, SK: {"S": SENDER_SK}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if item is None or int(item[TTL]["N"]) <= now_epoch:  # TTL deletion lags
            return None
        return str(_deserializer.deserialize(item["incident_id"]))

    def recent_by_caller(self, caller: str, limit: int) -> list[Incident]:
        response = self._client.query(
            TableName=self._table,
            IndexName=CALLER_INDEX.name,
            KeyConditionExpression="#pk = :pk AND #sk < :records",  # incidents only
            ExpressionAttributeNames={"#pk": CALLER_PK, "#sk": CALLER_SK},
            ExpressionAttributeValues={":pk": {"S": caller_pk(caller)}, ":records": {"S": CALLER_ITEMS_FROM}},
            ScanIndexForward=False,  # newest first
            Limit=limit,
        )
        return [_model(Incident, item) for item in response.get("Items", [])]

    def caller_lookup(self, caller: str, since: datetime, limit: int, now: datetime) -> CallerLookup:
        """One Query of the by-caller index: the number's incidents received since `since` (at most
        `limit`, newest first), its record and a position kept for its call."""
        response = self._client.query(
            TableName=self._table,
            IndexName=CALLER_INDEX.name,
            KeyConditionExpression="#pk = :pk AND #sk >= :from",
            ExpressionAttributeNames={"#pk": CALLER_PK, "#sk": CALLER_SK},
            ExpressionAttributeValues={
                ":pk": {"S": caller_pk(caller)},
                ":from": {"S": ulid_floor(int(since.timestamp() * 1000))},
            },
            ScanIndexForward=False,
            Limit=limit + 2,  # the record and a kept position come first
        )
        history: list[Incident] = []
        record: CallerRecord | None = None
        position: AmlFix | None = None
        for item in response.get("Items", []):
            kind = item.get("kind", {}).get("S")
            if kind == "INCIDENT":
                history.append(_model(Incident, item))
            elif kind == "CALLER":
                record = _model(CallerRecord, item)
            elif kind == "AML" and int(item[TTL]["N"]) > int(now.timestamp()):  # TTL deletion lags
                position = _model(AmlFix, item)
        history = history[:limit]
        return CallerLookup([PastCall.of(incident) for incident in history], record, position, history)

    def caller_snapshot(self, caller: str | None, now: datetime) -> CallerLookup:
        """What the intake needs before a 112 call is stored, in one BatchGetItem by key on the short
        client: the number's record (the calls its last assessment kept, the supervisors' decisions), a
        handset position kept for its call, and the active major incidents (their message is played to
        every caller). Without a number, the major incidents only. Strongly consistent: a rejection
        refreshed the record before its answer, so the next call sees it, as a read of the eventually
        consistent index might not. Raises when DynamoDB leaves a key unprocessed (the caller's standing
        is then NORMAL, and no message is played)."""
        keys = [{PK: {"S": MAJOR_PK}, SK: {"S": MAJOR_SK}}]
        if caller is not None:
            keys += [
                {PK: {"S": caller_pk(caller)}, SK: {"S": CALLER_RECORD_SK}},
                {PK: {"S": f"AML#{caller}"}, SK: {"S": AML_SK}},
            ]
        response = self._urgent_client().batch_get_item(
            RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
        )
        if response.get("UnprocessedKeys"):
            raise CallerSnapshotIncomplete(caller or "withheld")
        record: CallerRecord | None = None
        position: AmlFix | None = None
        majors = ActiveMajorIncidents()
        for item in response.get("Responses", {}).get(self._table, []):
            kind = item.get("kind", {}).get("S")
            if kind == "CALLER":
                record = _model(CallerRecord, item)
            elif kind == "AML" and int(item[TTL]["N"]) > int(now.timestamp()):  # TTL deletion lags
                position = _model(AmlFix, item)
            elif kind == "MAJOR":
                majors = _model(ActiveMajorIncidents, item)
        return CallerLookup(list(record.calls) if record else [], record, position, majors=majors)

    # -- major incidents (core/major_incidents.py): one item under a fixed key -------------------------

    def major_incidents(self) -> ActiveMajorIncidents:
        response = self._client.get_item(
            TableName=self._table, Key={PK: {"S": MAJOR_PK}, SK: {"S": MAJOR_SK}}, ConsistentRead=True
        )
        item = response.get("Item")
        return _model(ActiveMajorIncidents, item) if item else ActiveMajorIncidents()

    def save_major_incidents(
        self, active: ActiveMajorIncidents, expected_version: int, change: Change
    ) -> ActiveMajorIncidents:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": _item(active, {PK: MAJOR_PK, SK: MAJOR_SK}, "MAJOR"),
        }
        if expected_version == 0:
            put["ConditionExpression"] = f"attribute_not_exists({PK})"
        else:
            put["ConditionExpression"] = "#version = :expected"
            put["ExpressionAttributeNames"] = {"#version": "version"}
            put["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        items: list[TransactWriteItemTypeDef] = [{"Put": put}, *self._change_items(change)]  # type: ignore[typeddict-item]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if _is_cancelled(error):
                codes = set(_reason_codes(error))
                if codes & {"ConditionalCheckFailed", "TransactionConflict"}:
                    raise ConcurrentModification(change.incident.id) from error
            raise
        return active

    # -- a number's record: the supervisors' decisions and its standing as last assessed ---------------

    def caller_record(self, caller: str) -> CallerRecord | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={PK: {"S": caller_pk(caller)}, SK: {"S": CALLER_RECORD_SK}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _model(CallerRecord, item) if item else None

    def save_caller_record(
        self,
        record: CallerRecord,
        expected_version: int,
        expires_at: int | None,
        audit: CallerAuditEntry | None = None,
        audit_expires_at: int | None = None,
    ) -> CallerRecord:
        """Store the record if it is still at `expected_version` (0: it must not exist), with its audit
        entry when a person changed it, atomically; CallerStandingChanged otherwise."""
        saved = record.model_copy(update={"version": expected_version + 1})
        put: dict[str, Any] = {"TableName": self._table, "Item": caller_record_item(saved, expires_at)}
        if expected_version == 0:
            put["ConditionExpression"] = f"attribute_not_exists({PK})"
        else:
            put["ConditionExpression"] = "#version = :expected"
            put["ExpressionAttributeNames"] = {"#version": "version"}
            put["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        items: list[TransactWriteItemTypeDef] = [{"Put": put}]  # type: ignore[typeddict-item]
        if audit is not None:
            assert audit_expires_at is not None
            entry = caller_audit_item(audit, saved.version, audit_expires_at)
            items.append(
                {"Put": {"TableName": self._table, "Item": entry,
                         "ConditionExpression": f"attribute_not_exists({PK})"}}
            )  # fmt: skip
        for attempt in range(_CONFLICT_ATTEMPTS):
            try:
                if audit is None:
                    self._client.put_item(**put)
                else:
                    self._client.transact_write_items(TransactItems=items)
                return saved
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                codes = set(_reason_codes(error)) if _is_cancelled(error) else {str(code)}
                if "ConditionalCheckFailed" in codes or "ConditionalCheckFailedException" in codes:
                    raise CallerStandingChanged(record.caller) from error
                if "TransactionConflict" in codes and attempt < _CONFLICT_ATTEMPTS - 1:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                if "TransactionConflict" in codes:
                    raise CallerStandingChanged(record.caller) from error
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def caller_timeline(self, caller: str, limit: int) -> list[CallerAuditEntry]:
        """The number's audit trail, newest first."""
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :audit)",
            ExpressionAttributeNames={"#pk": PK, "#sk": SK},
            ExpressionAttributeValues={":pk": {"S": caller_pk(caller)}, ":audit": {"S": AUDIT_PREFIX}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_model(CallerAuditEntry, item) for item in response.get("Items", [])]

    def list_standings(self, after: datetime, limit: int, cursor: str | None = None) -> StandingPage:
        """Numbers whose standing lasts beyond `after`, the soonest to end first."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": STATUS_INDEX.name,
            "KeyConditionExpression": "#pk = :pk AND #sk > :after",
            "ExpressionAttributeNames": {"#pk": GSI_PK, "#sk": GSI_SK},
            "ExpressionAttributeValues": {
                ":pk": {"S": STANDINGS_PARTITION},
                ":after": {"S": sortable_time(after)},
            },
            "ScanIndexForward": True,
            "Limit": limit,
        }
        if cursor:
            query["ExclusiveStartKey"] = decode_cursor(cursor, STANDINGS_PARTITION)
        response = self._client.query(**query)
        items = [_model(CallerRecord, item) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return StandingPage(items=items, next_cursor=encode_cursor(last) if last else None)

    # -- retention: numbers in old incidents are masked -------------------------------------------------

    def incidents_between(self, status: Status, after_id: str, before_id: str, limit: int) -> list[Incident]:
        """Incidents in `status` with ids after `after_id` and before `before_id`, oldest first."""
        response = self._client.query(
            TableName=self._table,
            IndexName=STATUS_INDEX.name,
            KeyConditionExpression="#pk = :pk AND #sk BETWEEN :after AND :before",
            ExpressionAttributeNames={"#pk": GSI_PK, "#sk": GSI_SK},
            ExpressionAttributeValues={
                ":pk": {"S": f"STATUS#{status}"},
                ":after": {"S": after_id},
                ":before": {"S": before_id},
            },
            ScanIndexForward=True,
            Limit=limit + 1,  # BETWEEN includes `after_id` itself
        )
        found = [_model(Incident, item) for item in response.get("Items", [])]
        return [i for i in found if after_id < i.id < before_id][:limit]

    def mask_caller(
        self, incident: Incident, masked: str | None, reports: Sequence[IncidentReport] | None = None
    ) -> bool:
        """Replace the incident's number with `masked` and take it out of the caller index (the handset's
        number and IMEI too), and its reports with `reports` when given; False when the incident changed
        since it was read."""
        names = {"#version": "version", "#caller": "caller", "#gpk": CALLER_PK, "#gsk": CALLER_SK}
        values: dict[str, Any] = {":expected": {"N": str(incident.version)}}
        sets: list[str] = []
        removes = ["#caller", "#gpk", "#gsk"]
        if masked is not None:
            names["#masked"] = "caller_masked"
            values[":masked"] = {"S": masked}
            sets.append("#masked = :masked")
        if incident.aml is not None:
            names |= {"#aml": "aml", "#imei": "imei"}
            removes.append("#aml.#imei")
            if incident.aml.number and masked is not None:
                names["#number"] = "number"
                sets.append("#aml.#number = :masked")
        if reports is not None:
            names["#reports"] = "reports"
            dumped = [report.model_dump(mode="json", exclude_none=True) for report in reports]
            values[":reports"] = _serializer.serialize(_to_dynamo(dumped))
            sets.append("#reports = :reports")
        update = (f"SET {', '.join(sets)} " if sets else "") + f"REMOVE {', '.join(removes)}"
        try:
            self._client.update_item(
                TableName=self._table,
                Key={PK: {"S": incident_pk(incident.id)}, SK: {"S": INCIDENT_SK}},
                UpdateExpression=update,
                ConditionExpression="#version = :expected",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def keep_notice(self, pending: PendingNotice) -> None:
        self._client.put_item(TableName=self._table, Item=outbox_item(pending))

    def pending_notices(self, before: datetime, limit: int) -> list[PendingNotice]:
        from core.notices import OUTBOX_PK, PendingNotice  # noqa: PLC0415 (off the 112 call's imports)

        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk AND #sk < :before",
            ExpressionAttributeNames={"#pk": PK, "#sk": SK},
            ExpressionAttributeValues={":pk": {"S": OUTBOX_PK}, ":before": {"S": sortable_time(before)}},
            ConsistentRead=True,
            Limit=limit,
        )
        return [PendingNotice.model_validate_json(item["pending"]["S"]) for item in response.get("Items", [])]

    def notice_queued(self, pending: PendingNotice) -> None:
        from core.notices import OUTBOX_PK  # noqa: PLC0415 (off the 112 call's imports)

        self._client.delete_item(TableName=self._table, Key={PK: {"S": OUTBOX_PK}, SK: {"S": pending.key}})

    def retention_mark(self, name: str) -> str | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={PK: {"S": f"RETENTION#{name}"}, SK: {"S": RETENTION_SK}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return str(item["mark"]["S"]) if item else None

    def set_retention_mark(self, name: str, mark: str) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={PK: {"S": f"RETENTION#{name}"}, SK: {"S": RETENTION_SK}, "kind": {"S": "RETENTION"},
                  "mark": {"S": mark}},
        )  # fmt: skip

    def search(self, search: Search, limit: int, cursor: str | None = None) -> Page:
        """Newest first; at most MAX_READS queries per page (core/search.py)."""
        from core.search import MAX_READS  # noqa: PLC0415 (off the 112 call's imports)

        if search.caller:
            index, partitions = CALLER_INDEX, [caller_pk(search.caller)]
        else:
            index, partitions = DAY_INDEX, search.days()
        start_key: dict[str, Any] | None = None
        if cursor:
            partition, start_key = decode_search_cursor(cursor, partitions, index)
            partitions = partitions[partitions.index(partition) :]
        names, values, filters = _search_filters(search, index)
        items: list[Incident] = []
        reads = 0
        while partitions and reads < MAX_READS:
            query: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": index.name,
                "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lowest AND :highest",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": {**values, ":pk": {"S": partitions[0]}},
                "ScanIndexForward": False,  # newest first
                "Limit": 100,
            }
            if filters:
                query["FilterExpression"] = " AND ".join(filters)
            if start_key:
                query["ExclusiveStartKey"] = start_key
            response = self._client.query(**query)
            reads += 1
            for item in response.get("Items", []):
                items.append(_model(Incident, item))
                if len(items) == limit:
                    last = {name: item[name] for name in (PK, SK, *names_of(index))}
                    return Page(items=items, next_cursor=encode_search_cursor(partitions[0], last))
            start_key = response.get("LastEvaluatedKey")
            if not start_key:
                partitions = partitions[1:]
        if not partitions:
            return Page(items=items, next_cursor=None)
        resume = start_key or {}
        return Page(items=items, next_cursor=encode_search_cursor(partitions[0], resume))

    # -- positions waiting for their call, and request counters -------------------------------------

    def keep_position(self, key: str, fix: AmlFix, expires_at: int) -> None:
        keys = {PK: f"AML#{key}", SK: AML_SK}
        if key.startswith("+"):  # under a number: in the caller index, where the intake's lookup finds it
            keys |= {CALLER_PK: caller_pk(key), CALLER_SK: CALLER_AML_KEY}
        item = _item(fix, keys, "AML")
        item[TTL] = {"N": str(expires_at)}
        self._client.put_item(TableName=self._table, Item=item)

    def kept_position(self, key: str, now_epoch: int) -> AmlFix | None:
        response = self._client.get_item(
            TableName=self._table, Key={PK: {"S": f"AML#{key}"}, SK: {"S": AML_SK}}, ConsistentRead=True
        )
        item = response.get("Item")
        # TTL deletion lags by up to days: an expired item is treated as gone.
        if item is None or int(item[TTL]["N"]) <= now_epoch:
            return None
        return _model(AmlFix, item)

    # -- the calls' contact events (core/calls.py) ---------------------------------------------------

    def call_record(self, contact_id: str) -> CallRecord | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={PK: {"S": call_pk(contact_id)}, SK: {"S": CALL_SK}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else _model(CallRecord, item)

    def save_call_record(self, record: CallRecord, expected_revision: int | None) -> None:
        item = _item(record, {PK: call_pk(record.contact_id), SK: CALL_SK}, "CALL")
        item[TTL] = {"N": str(int(record.updated_at.timestamp()) + CALL_KEPT_SECONDS)}
        condition: dict[str, Any] = {"ConditionExpression": f"attribute_not_exists({PK})"}
        if expected_revision is not None:
            condition = {
                "ConditionExpression": "#revision = :expected",
                "ExpressionAttributeNames": {"#revision": "revision"},
                "ExpressionAttributeValues": {":expected": {"N": str(expected_revision)}},
            }
        try:
            self._client.put_item(TableName=self._table, Item=item, **condition)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise CallRecordConflict(record.contact_id) from error
            raise

    def incident_for_contact(self, contact_id: str) -> str | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={PK: {"S": f"DEDUPE#{contact_dedupe_key(contact_id)}"}, SK: {"S": DEDUPE_SK}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else str(_deserializer.deserialize(item["incident_id"]))

    def project_call(self, incident_id: str, record: CallRecord) -> None:
        item = _item(record, {PK: incident_pk(incident_id), SK: CALL_SK}, "CALL")
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression=f"attribute_not_exists({PK}) OR #revision < :revision",
                ExpressionAttributeNames={"#revision": "revision"},
                ExpressionAttributeValues={":revision": {"N": str(record.revision)}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            # The incident holds this revision or a later one already: a repeat, or a late copy.

    def count_request(self, client: str, window: str, expires_at: int) -> int:
        response = self._client.update_item(
            TableName=self._table,
            Key={PK: {"S": f"RATE#{client}"}, SK: {"S": window}},
            UpdateExpression="ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl), kind = :kind",
            ExpressionAttributeNames={"#count": "count", "#ttl": TTL},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":ttl": {"N": str(expires_at)},
                ":kind": {"S": "RATE"},
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["count"]["N"])


def _search_filters(search: Search, index: Index) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    """The expression names and values of a search's key condition, and its filters."""
    lowest, highest = search.id_bounds()
    names = {"#pk": index.partition_key.name, "#sk": index.sort_key.name if index.sort_key else ""}
    values: dict[str, Any] = {":lowest": {"S": lowest}, ":highest": {"S": highest}}
    filters = []
    if search.district:
        names |= {"#location": "location", "#district": "district"}
        values[":district"] = {"S": search.district}
        filters.append("#location.#district = :district")
    if search.category:
        names["#category"] = "category"
        values[":category"] = {"S": search.category.value}
        filters.append("#category = :category")
    if search.outcome:
        names["#outcome"] = OUTCOME
        values[":outcome"] = {"S": search.outcome.value}
        filters.append("#outcome = :outcome")
    return names, values, filters


def names_of(index: Index) -> tuple[str, ...]:
    return (index.partition_key.name, *((index.sort_key.name,) if index.sort_key else ()))


def encode_search_cursor(partition: str, key: Mapping[str, Any]) -> str:
    """Where a search resumes: the partition (day or caller) and, inside it, after which item (none:
    from its start)."""
    plain = {"p": partition, "k": {name: value["S"] for name, value in key.items()}}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_search_cursor(
    cursor: str, partitions: list[str], index: Index
) -> tuple[str, dict[str, Any] | None]:
    """The partition and ExclusiveStartKey a search cursor stands for; InvalidRequest for anything this
    API did not hand out for the same search."""
    refused = InvalidRequest("cursor", "not a cursor returned by this API for this search", "query")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        plain = json.loads(raw)
    except (binascii.Error, ValueError):
        raise refused from None
    if not isinstance(plain, dict) or set(plain) != {"p", "k"} or plain["p"] not in partitions:
        raise refused
    key = plain["k"]
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise refused
    if not key:
        return plain["p"], None
    if set(key) != {PK, SK, *names_of(index)} or key[index.partition_key.name] != plain["p"]:
        raise refused
    return plain["p"], {name: {"S": value} for name, value in key.items()}


def encode_cursor(key: Mapping[str, Any]) -> str:
    plain = {name: value["S"] for name, value in key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, partition: str, index: Index = STATUS_INDEX) -> dict[str, Any]:
    """The ExclusiveStartKey a cursor of `index` stands for; InvalidRequest for anything this API did not
    hand out for that index and partition."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        plain = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidRequest("cursor", "not a cursor returned by this API", "query") from None
    index_pk = index.partition_key.name
    keys = {PK, SK, index_pk, index.sort_key.name if index.sort_key else index_pk}
    if (
        not isinstance(plain, dict)
        or set(plain) != keys
        or not all(isinstance(v, str) for v in plain.values())
        or plain[index_pk] != partition
    ):
        raise InvalidRequest("cursor", "not a cursor returned by this API for this list", "query")
    return {name: {"S": value} for name, value in plain.items()}

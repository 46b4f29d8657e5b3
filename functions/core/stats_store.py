"""The statistics' DynamoDB adapter: the incidents' items as the rollup reads them, and the stats table's
aggregates and contributions (core/rollups.py; layout in core/tables.py)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from core.errors import ConcurrentModification
from core.repository import (
    AUDIT_PREFIX,
    CALL_SK,
    DISPATCH_PREFIX,
    INCIDENT_SK,
    dynamodb_client,
    incident_pk,
)
from core.rollups import Contribution, Counts, Row, Stored
from core.tables import INCIDENTS, STATS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

PK = STATS.partition_key.name
SK = STATS.sort_key.name if STATS.sort_key else "sk"
HOURS = "HOUR"
DAYS = "DAY"
CONTRIBUTION_SK = "CONTRIBUTION"
MONTHS = "MONTH#"
_KEYS = frozenset({PK, SK, "kind"})

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _plain(value: Any) -> Any:
    """A stored attribute as JSON would have it (numbers as int or float)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def _attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


class DynamoIncidentItems:
    """An incident's items as stored (one Query on its partition), read leniently: unknown attributes and
    values a newer function wrote stay plain data (core/intervals.py)."""

    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._table = table_name
        self._client = client or dynamodb_client()

    def read(
        self, incident_id: str
    ) -> tuple[Mapping[str, Any] | None, list[Mapping[str, Any]], Mapping[str, Any] | None]:
        incident: Mapping[str, Any] | None = None
        dispatches: list[Mapping[str, Any]] = []
        call: Mapping[str, Any] | None = None
        pk, sk = INCIDENTS.partition_key.name, INCIDENTS.sort_key.name if INCIDENTS.sort_key else "sk"
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk",
            # the audit entries are the bulk of a partition and nothing here reads them
            FilterExpression="NOT begins_with(#sk, :audit)",
            ExpressionAttributeNames={"#pk": pk, "#sk": sk},
            ExpressionAttributeValues={":pk": {"S": incident_pk(incident_id)}, ":audit": {"S": AUDIT_PREFIX}},
            ConsistentRead=True,
        ):
            for item in page.get("Items", []):
                kind = item[sk]["S"]
                if kind == INCIDENT_SK:
                    incident = _attributes(item)
                elif kind.startswith(DISPATCH_PREFIX):
                    dispatches.append(_attributes(item))
                elif kind == CALL_SK:
                    call = _attributes(item)
        return incident, dispatches, call


def _stored_row(row: Row) -> dict[str, Any]:
    """A row as DynamoDB takes it: numbers as Decimal, absent values left out."""
    return {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in row.items()}


def _hour(contribution: Contribution) -> str:
    return contribution.hour


def _day(contribution: Contribution) -> str:
    return contribution.day


def _is_cancelled(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "TransactionCanceledException"


class DynamoAggregates:
    """The hourly and daily counters and each incident's contribution, in the stats table."""

    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._table = table_name
        self._client = client or dynamodb_client()

    def contribution(self, incident_id: str) -> Stored | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={PK: {"S": incident_pk(incident_id)}, SK: {"S": CONTRIBUTION_SK}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if item is None:
            return None
        data = _attributes(item)
        counts = {str(k): int(v) for k, v in data["counts"].items()}
        row = {str(k): v for k, v in data.get("row", {}).items()}
        contribution = Contribution(data["hour"], data["day"], counts, data.get("month", ""), row)
        return Stored(contribution, int(data["revision"]))

    def replace(self, incident_id: str, new: Contribution | None, old: Stored | None) -> None:
        key = {PK: {"S": incident_pk(incident_id)}, SK: {"S": CONTRIBUTION_SK}}
        condition: dict[str, Any] = (
            {"ConditionExpression": f"attribute_not_exists({PK})"}
            if old is None
            else {
                "ConditionExpression": "#revision = :revision",
                "ExpressionAttributeNames": {"#revision": "revision"},
                "ExpressionAttributeValues": {":revision": {"N": str(old.revision)}},
            }
        )
        items: list[TransactWriteItemTypeDef] = []
        if new is None:
            delete = {"TableName": self._table, "Key": key, **condition}
            items.append({"Delete": delete})  # type: ignore[typeddict-item]
        else:
            item = {
                **key,
                "kind": {"S": "CONTRIBUTION"},
                "hour": {"S": new.hour},
                "day": {"S": new.day},
                "revision": {"N": str(old.revision + 1 if old else 1)},
                "counts": _serializer.serialize(dict(new.counts)),
                "month": {"S": new.month},
                "row": _serializer.serialize(_stored_row(new.row)),
            }
            items.append({"Put": {"TableName": self._table, "Item": item, **condition}})  # type: ignore[typeddict-item]
            # its line in the month's export, replaced with the contribution
            line: dict[str, Any] = {
                PK: {"S": f"{MONTHS}{new.month}"},
                SK: {"S": incident_id},
                "kind": {"S": "ROW"},
            }
            line |= {name: _serializer.serialize(value) for name, value in _stored_row(new.row).items()}
            items.append({"Put": {"TableName": self._table, "Item": line}})
        before_month = old.contribution.month if old is not None else ""
        if before_month and (new is None or new.month != before_month):
            gone = {PK: {"S": f"{MONTHS}{before_month}"}, SK: {"S": incident_id}}
            items.append({"Delete": {"TableName": self._table, "Key": gone}})
        before = old.contribution if old else None
        for partition, period_of in ((HOURS, _hour), (DAYS, _day)):
            deltas: dict[str, Counter[str]] = {}
            if before is not None:
                deltas.setdefault(period_of(before), Counter()).subtract(before.counts)
            if new is not None:
                deltas.setdefault(period_of(new), Counter()).update(new.counts)
            for period, delta in deltas.items():
                changed = {name: value for name, value in delta.items() if value}
                if changed:
                    items.append({"Update": self._add(partition, period, changed)})  # type: ignore[typeddict-item]
        self._transact(incident_id, items)

    def _add(self, partition: str, period: str, delta: Mapping[str, int]) -> dict[str, Any]:
        names = {f"#c{i}": name for i, name in enumerate(sorted(delta))}
        values = {f":c{i}": {"N": str(delta[name])} for i, name in enumerate(sorted(delta))}
        adds = ", ".join(f"#c{i} :c{i}" for i in range(len(names)))
        return {
            "TableName": self._table,
            "Key": {PK: {"S": partition}, SK: {"S": period}},
            "UpdateExpression": f"SET #kind = :kind ADD {adds}",
            "ExpressionAttributeNames": {**names, "#kind": "kind"},
            "ExpressionAttributeValues": {**values, ":kind": {"S": partition}},
        }

    def _transact(self, incident_id: str, items: list[TransactWriteItemTypeDef]) -> None:
        for attempt in range(3):
            try:
                self._client.transact_write_items(TransactItems=items)
                return
            except ClientError as error:
                if not _is_cancelled(error):
                    raise
                codes = [str(r.get("Code")) for r in error.response.get("CancellationReasons") or []]
                if "ConditionalCheckFailed" in codes:
                    raise ConcurrentModification(incident_id) from error
                if "TransactionConflict" in codes and attempt < 2:
                    time.sleep(0.05 * (attempt + 1))  # another incident's rollup holds the same hour
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def rows(self, month: str) -> list[Row]:
        found: list[Row] = []
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": PK},
            ExpressionAttributeValues={":pk": {"S": f"{MONTHS}{month}"}},
        ):
            for item in page.get("Items", []):
                data = _attributes(item)
                found.append({k: v for k, v in data.items() if k not in _KEYS})
        return found

    def hours(self, first: str, last: str) -> list[tuple[str, Counts]]:
        return self._range(HOURS, first, last)

    def days(self, first: str, last: str) -> list[tuple[str, Counts]]:
        return self._range(DAYS, first, last)

    def _range(self, partition: str, first: str, last: str) -> list[tuple[str, Counts]]:
        periods: list[tuple[str, Counts]] = []
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk AND #sk BETWEEN :first AND :last",
            ExpressionAttributeNames={"#pk": PK, "#sk": SK},
            ExpressionAttributeValues={
                ":pk": {"S": partition},
                ":first": {"S": first},
                ":last": {"S": last},
            },
        ):
            for item in page.get("Items", []):
                data = _attributes(item)
                counts = {k: int(v) for k, v in data.items() if k not in _KEYS and isinstance(v, int)}
                periods.append((str(data[SK]), counts))
        return periods

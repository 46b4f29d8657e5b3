"""DynamoDB data access for the agency directory (an adapter: the adapters that reach AWS are listed in
`core`). Layout and access patterns are in `core.tables` (DIRECTORY).

Every change of an entry is one TransactWriteItems: the entry, conditional on not existing (a creation)
or on the version that was read, and its audit entry, conditional on not existing. A lost race is
DirectoryConflict (HTTP 409), never a silent overwrite; a change cannot commit without its history.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel

from core.directory_models import AgencyType, DirectoryChange, Post, post_key, type_key
from core.errors import DirectoryConflict
from core.tables import DIRECTORY, TYPE_INDEX

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

PK = DIRECTORY.partition_key.name
SK = DIRECTORY.sort_key.name if DIRECTORY.sort_key else "sk"
GSI_PK = TYPE_INDEX.partition_key.name
GSI_SK = TYPE_INDEX.sort_key.name if TYPE_INDEX.sort_key else "gsi1sk"
DIRECTORY_PK = "AGENCY"
AUDIT_PREFIX = "AUDIT#"
_ATTEMPTS = 3

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
M = TypeVar("M", bound=BaseModel)


def _attributes(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in data.items()}


def _plain(value: Any) -> Any:
    """DynamoDB's numbers as the integers they were, at any depth (a history entry's `before` and
    `after` hold versions too): the directory holds no fractions."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _model(model: type[M], item: Mapping[str, Any]) -> M:
    return model.model_validate(
        {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}
    )


def type_item(agency_type: AgencyType) -> dict[str, Any]:
    data = agency_type.model_dump(mode="json", exclude_none=True)
    return _attributes({**data, PK: DIRECTORY_PK, SK: type_key(agency_type.code), "kind": "TYPE"})


def post_item(post: Post) -> dict[str, Any]:
    data = post.model_dump(mode="json", exclude_none=True, exclude={"placeholder"})
    if post.sealed_secret:
        data["sealed_secret"] = post.sealed_secret  # excluded from every dump but this one
    keys = {PK: DIRECTORY_PK, SK: post_key(post.id), GSI_PK: type_key(post.agency), GSI_SK: post.id}
    return _attributes({**data, **keys, "kind": "POST"})


def change_item(change: DirectoryChange) -> dict[str, Any]:
    data = change.model_dump(mode="json", exclude_none=True)
    return _attributes(
        {**data, PK: f"{AUDIT_PREFIX}{change.entry}", SK: f"{change.version:08d}", "kind": "AUDIT"}
    )


class DynamoAgencyStore:
    """AgencyStore on the directory table."""

    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")

    # -- reads ---------------------------------------------------------------------------------------

    def load(self) -> tuple[list[AgencyType], list[Post]]:
        types: list[AgencyType] = []
        posts: list[Post] = []
        for item in self._query({PK: DIRECTORY_PK}, consistent=True):
            kind = item.get("kind", {}).get("S")
            if kind == "TYPE":
                types.append(_model(AgencyType, item))
            elif kind == "POST":
                posts.append(_model(Post, item))
        return types, posts

    def get_type(self, code: str) -> AgencyType | None:
        item = self._get(type_key(code))
        return _model(AgencyType, item) if item else None

    def get_post(self, post_id: str) -> Post | None:
        item = self._get(post_key(post_id))
        return _model(Post, item) if item else None

    def posts_of_type(self, code: str, district: str | None = None) -> list[Post]:
        query: dict[str, Any] = {}
        if district is not None:
            query = {
                "FilterExpression": "contains(districts, :district) OR regency_level = :yes",
                "ExpressionAttributeValues": {":district": {"S": district}, ":yes": {"BOOL": True}},
            }
        items = self._query({GSI_PK: type_key(code)}, index=TYPE_INDEX.name, **query)
        return [_model(Post, item) for item in items]

    def history(self, entry: str, limit: int) -> list[DirectoryChange]:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": PK},
            ExpressionAttributeValues={":pk": {"S": f"{AUDIT_PREFIX}{entry}"}},
            ScanIndexForward=False,  # newest first
            Limit=limit,
        )
        return [_model(DirectoryChange, item) for item in response.get("Items", [])]

    def _get(self, sk: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key={PK: {"S": DIRECTORY_PK}, SK: {"S": sk}}, ConsistentRead=True
        )
        return response.get("Item")

    def _query(
        self, key: Mapping[str, str], index: str | None = None, consistent: bool = False, **extra: Any
    ) -> Iterator[dict[str, Any]]:
        ((name, value),) = key.items()
        values = {":pk": {"S": value}, **extra.pop("ExpressionAttributeValues", {})}
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": name},
            "ExpressionAttributeValues": values,
            **extra,
        }
        if index:
            request["IndexName"] = index
        else:
            request["ConsistentRead"] = consistent
        for page in self._client.get_paginator("query").paginate(**request):
            yield from page.get("Items", [])

    # -- writes --------------------------------------------------------------------------------------

    def put_type(
        self, agency_type: AgencyType, expected_version: int | None, change: DirectoryChange
    ) -> None:
        self._write(type_item(agency_type), expected_version, change)

    def put_post(self, post: Post, expected_version: int | None, change: DirectoryChange) -> None:
        self._write(post_item(post), expected_version, change)

    def _write(self, item: dict[str, Any], expected_version: int | None, change: DirectoryChange) -> None:
        entry: dict[str, Any] = {"TableName": self._table, "Item": item}
        if expected_version is None:
            entry["ConditionExpression"] = f"attribute_not_exists({PK})"
        else:
            entry["ConditionExpression"] = "#version = :expected"
            entry["ExpressionAttributeNames"] = {"#version": "version"}
            entry["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        items: list[TransactWriteItemTypeDef] = [
            {"Put": entry},  # type: ignore[typeddict-item]
            {"Put": {"TableName": self._table, "Item": change_item(change),
                     "ConditionExpression": f"attribute_not_exists({PK})"}},
        ]  # fmt: skip
        for attempt in range(_ATTEMPTS):
            try:
                self._client.transact_write_items(TransactItems=items)
                return
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                codes = {str(r.get("Code")) for r in error.response.get("CancellationReasons") or []}
                if "ConditionalCheckFailed" in codes and expected_version is None:
                    raise DirectoryConflict(change.entry, "exists already") from error
                if "ConditionalCheckFailed" in codes:
                    raise DirectoryConflict(change.entry) from error
                if "TransactionConflict" in codes and attempt < _ATTEMPTS - 1:
                    time.sleep(0.05 * (attempt + 1))  # another writer holds the entry: try once more
                    continue
                if "TransactionConflict" in codes:
                    raise DirectoryConflict(change.entry) from error
                raise

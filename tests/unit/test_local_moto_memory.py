"""local.moto_memory: the embedded DynamoDB keeps no copy of a table after the transaction that made it."""

from __future__ import annotations

import boto3
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item

from local.moto_memory import stop_tracking_dynamodb_objects
from tests.support import create_tables


def test_transactions_leave_no_tracked_copies_of_the_table() -> None:
    stop_tracking_dynamodb_objects()
    with mock_aws():
        table = create_tables()["TABLE_NAME"]
        ddb = boto3.client("dynamodb", region_name="ap-southeast-1")
        for n in range(20):  # each transaction copies the table to roll back (moto)
            item = {"pk": {"S": f"P#{n}"}, "sk": {"S": "S"}}
            ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": item}}])

        assert len(Item.instances_tracked) == 0  # type: ignore[attr-defined]
        kept = ddb.get_item(TableName=table, Key={"pk": {"S": "P#19"}, "sk": {"S": "S"}})
        assert "Item" in kept  # the table itself still holds what was written

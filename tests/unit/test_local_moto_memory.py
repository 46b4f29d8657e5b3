"""local.moto_memory: the embedded DynamoDB keeps no copy of a table after the transaction that made it."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamShard

from local.moto_memory import _forgetting_what_was_read, stop_tracking_dynamodb_objects
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


def test_stream_records_once_read_past_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StreamShard, "get", _forgetting_what_was_read)
    with mock_aws():
        table = create_tables()["TABLE_NAME"]
        ddb = boto3.client("dynamodb", region_name="ap-southeast-1")
        streams = boto3.client(
            "dynamodbstreams",
            region_name="ap-southeast-1",
            config=Config(account_id_endpoint_mode="disabled"),
        )
        arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

        def put(n: int) -> None:
            ddb.put_item(TableName=table, Item={"pk": {"S": f"P#{n}"}, "sk": {"S": "S"}})

        def read(iterator: str) -> tuple[list[str], str]:
            response = streams.get_records(ShardIterator=iterator, Limit=100)
            keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in response["Records"]]
            return keys, response["NextShardIterator"]

        for n in range(5):
            put(n)
        start = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        first, following = read(start["ShardIterator"])
        for n in range(5, 8):
            put(n)
        second, following = read(following)  # reading on forgets the first five
        again, _ = read(
            streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
                "ShardIterator"
            ]
        )

        assert first == [f"P#{n}" for n in range(5)]
        assert second == [f"P#{n}" for n in range(5, 8)]
        assert again == second  # the stream's horizon moved on; what follows is still there, in order

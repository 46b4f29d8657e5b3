"""Keep the embedded DynamoDB's memory to what the tables hold.

moto keeps every model object it ever created (`BaseModel.instances_tracked`, for its dashboard), and its
TransactWriteItems copies each table a transaction touches, to roll back: every transaction left a
whole copy of the table's items alive. A few hundred webhook messages grew the stack to a gigabyte, and
Ctrl-C then spent tens of seconds freeing it. Nothing of ours reads moto's dashboard, so DynamoDB's
objects are no longer tracked; tables, items and indexes are kept by the tables alone, as in AWS.

moto also keeps every record of a table's stream for ever (AWS keeps 24 hours). The local stack has one
reader per stream (the stats-rollup poller), which reads onwards and goes back only to records of its
last batch: so a read from a sequence number forgets the records before it.
"""

from __future__ import annotations

from typing import Any

import moto.dynamodb.models  # noqa: F401 - registers DynamoDB's model classes in model_data
from moto.core.model_instances import model_data
from moto.dynamodb.models.table import StreamShard


class _Untracked(list[Any]):
    """A tracking list that keeps nothing."""

    def append(self, item: Any) -> None:
        return None


def stop_tracking_dynamodb_objects() -> None:
    for model in model_data["dynamodb"].values():
        model.instances_tracked = _Untracked()  # type: ignore[attr-defined]


_read = StreamShard.get


def _forgetting_what_was_read(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
    done = start - self.starting_sequence_number
    if done > 0:  # the records before `start` were read: sequence numbers go on (len(items) + start)
        del self.items[:done]
        self.starting_sequence_number = start
    return _read(self, start, quantity)


def forget_read_stream_records() -> None:
    """In the local stack's process only: its one reader per stream never reads behind its last batch."""
    StreamShard.get = _forgetting_what_was_read  # type: ignore[method-assign]

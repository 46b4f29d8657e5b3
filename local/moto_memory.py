"""Keep the embedded DynamoDB's memory to what the tables hold.

moto keeps every model object it ever created (`BaseModel.instances_tracked`, for its dashboard), and its
TransactWriteItems copies each table a transaction touches, to roll back: every transaction left a
whole copy of the table's items alive. A few hundred webhook messages grew the stack to a gigabyte, and
Ctrl-C then spent tens of seconds freeing it. Nothing of ours reads moto's dashboard, so DynamoDB's
objects are no longer tracked; tables, items and indexes are kept by the tables alone, as in AWS.
"""

from __future__ import annotations

from typing import Any

import moto.dynamodb.models  # noqa: F401 - registers DynamoDB's model classes in model_data
from moto.core.model_instances import model_data


class _Untracked(list[Any]):
    """A tracking list that keeps nothing."""

    def append(self, item: Any) -> None:
        return None


def stop_tracking_dynamodb_objects() -> None:
    for model in model_data["dynamodb"].values():
        model.instances_tracked = _Untracked()  # type: ignore[attr-defined]

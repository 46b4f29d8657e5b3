"""What moto's server cannot do safely in parallel, done one at a time (decision 30).

The embedded AWS answers every request in a thread of its own, and moto's backends keep their state in
plain dicts and lists without locks. DynamoDB and SQS promise atomic operations; moto does not keep
those promises once two requests overlap:

- DynamoDB. `transact_write_items` deep-copies every table it touches, applies its writes one by one
  and, when a condition fails, puts the copies back: a write that landed meanwhile in another thread is
  undone, and a copy taken while another thread inserts fails with `RuntimeError: dictionary changed
  size during iteration` (a 500). A conditional put or update reads, checks and writes in separate
  steps, so two transactions can both find `attribute_not_exists` true: one Connect contact, two
  incidents. Queries and scans iterate the same dicts. So every DynamoDB request, from reading its body
  to writing its answer, runs alone (`OneDynamoDbRequestAtATime`). Alone, a transaction no longer
  needs copies of whole tables to roll back: it keeps the items it names and puts those back, so it
  costs what its own items cost however large the tables grow.
- SQS. `delete_message` rebuilds the queue's list of messages and assigns it back, so a message sent in
  between is dropped; a receive iterates the set of in-flight messages that a delete or a visibility
  change resizes. So every SQS operation of moto's backend runs alone, SNS's deliveries to queues
  included (they call the backend, not the HTTP API); a long poll waits for messages outside the lock,
  as moto itself does, in steps of at most a second.

Not serialised: S3 (moto lists a bucket from a copy of its keys, and concurrent puts of one key end as
S3's do, the last writer wins), SNS (its topics and subscriptions do not change while the stack runs),
Secrets Manager (read only) and Cognito (its users are created before the stack answers).

`compensate_moto()` changes moto's classes for the whole process: the local stack's process, where only
the embedded AWS uses moto.
"""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import moto.dynamodb.models as moto_dynamodb
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.sqs.models import SQSBackend

# The JSON protocol's X-Amz-Target of DynamoDB and of DynamoDB Streams (which reads the same tables).
DYNAMODB_TARGETS = ("DynamoDB_20120810.", "DynamoDBStreams_20120810.")

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
Patch = tuple[object, str, Any]  # (owner, attribute, replacement)


class OneDynamoDbRequestAtATime:
    """WSGI middleware in front of moto's server: DynamoDB requests run one at a time, other services'
    requests as they come. The answer is built under the lock too, since moto turns stored items into
    JSON while it writes the response."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGETS):
            return self._app(environ, start_response)
        with self._lock:
            answer = self._app(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()


# -- SQS: one backend operation at a time, long polls waiting outside ------------------------------------

# moto's SQS backend operations that read or change a queue's messages, or its set of queues.
SQS_OPERATIONS = (
    "create_queue",
    "delete_queue",
    "get_queue_attributes",
    "set_queue_attributes",
    "send_message",
    "send_message_batch",
    "delete_message",
    "delete_message_batch",
    "change_message_visibility",
    "change_message_visibility_batch",
    "purge_queue",
)
LONG_POLL_STEP = 1.0  # seconds a long poll waits for a send before it looks again (as moto does)
_SQS_LOCK = threading.RLock()  # reentrant: a batch operation calls the single one, a receive the DLQ's send


def _one_at_a_time(operation: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(operation)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _SQS_LOCK:
            return operation(*args, **kwargs)

    return locked


def _long_poll_outside_the_lock(receive: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    @functools.wraps(receive)
    def receive_message(
        self: SQSBackend,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        deadline = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with _SQS_LOCK:  # one look at the queue, never waiting: a long poll must not hold the lock
                messages = receive(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
            left = deadline - time.monotonic()
            if messages or left <= 0:
                return messages
            # Woken by a send; a message whose delay or visibility timeout ends is found on the next look.
            self.get_queue(queue_name).wait_for_messages(min(LONG_POLL_STEP, left))  # type: ignore[arg-type]

    return receive_message


def _sqs_patches() -> list[Patch]:
    patches: list[Patch] = [
        (SQSBackend, name, _one_at_a_time(getattr(SQSBackend, name))) for name in SQS_OPERATIONS
    ]
    patches.append((SQSBackend, "receive_message", _long_poll_outside_the_lock(SQSBackend.receive_message)))
    return patches


# -- DynamoDB transactions: roll back the items they name, not copies of whole tables -------------------

_rolling_back_items = threading.local()


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """copy.deepcopy for moto's DynamoDB module, except for a table inside a transaction that keeps its
    items: moto copies the table to put it back on failure; here the table is its own "copy", moto puts
    back the same table, and the transaction puts back the items it kept."""
    if isinstance(value, Table) and getattr(_rolling_back_items, "active", False):
        return value
    return copy.deepcopy(value, memo)


@contextmanager
def _tables_not_copied() -> Iterator[None]:
    _rolling_back_items.active = True
    try:
        yield
    finally:
        _rolling_back_items.active = False


_Kept = tuple[Table, DynamoType, DynamoType | None, Item | None]


def _keep_named_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Kept]:
    """A copy of every item the transaction names (None: not there), to put back if it fails. An
    operation that names no table or key of it is skipped: moto refuses it before it writes anything."""
    kept: list[_Kept] = []
    for entry in transact_items:
        for operation in entry.values():
            name = operation.get("TableName") if isinstance(operation, dict) else None
            table = backend.tables.get(name) if isinstance(name, str) else None
            if table is None:
                continue
            key = operation["Item"] if "Item" in operation else operation.get("Key") or {}
            if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
                continue
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            kept.append(
                (table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value)))
            )
    return kept


def _put_back(kept: list[_Kept]) -> None:
    for table, hash_value, range_value, item in reversed(kept):
        if item is None:
            table.delete_item(hash_value, range_value)
        elif range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item  # type: ignore[assignment]


def _rolling_back_named_items(transact: Callable[..., None]) -> Callable[..., None]:
    """moto's transact_write_items, rolled back item by item. Right only while no other DynamoDB request
    runs meanwhile: the embedded AWS runs them one at a time (OneDynamoDbRequestAtATime)."""

    @functools.wraps(transact)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        kept = _keep_named_items(self, transact_items)
        try:
            with _tables_not_copied():
                transact(self, transact_items)
        except BaseException:
            _put_back(kept)
            raise

    return transact_write_items


def _transaction_patches() -> list[Patch]:
    return [
        (moto_dynamodb, "copy", SimpleNamespace(deepcopy=_deepcopy, copy=copy.copy)),
        (
            DynamoDBBackend,
            "transact_write_items",
            _rolling_back_named_items(DynamoDBBackend.transact_write_items),
        ),
    ]


# -- all of them ---------------------------------------------------------------------------------------

_compensating = threading.Lock()
_MARK = "_respon112_compensated"  # on moto's DynamoDB backend class, once compensate_moto() ran


def compensations() -> list[Patch]:
    """Every change to moto's classes this module makes, for `compensate_moto` (and for tests, which
    apply them with pytest's monkeypatch so they are undone afterwards)."""
    return [*_sqs_patches(), *_transaction_patches()]


def compensate_moto() -> None:
    """Apply `compensations()` to moto in this process, once."""
    with _compensating:
        if getattr(DynamoDBBackend, _MARK, False):
            return
        for owner, name, replacement in compensations():
            setattr(owner, name, replacement)
        setattr(DynamoDBBackend, _MARK, True)

"""At-most-once side effects for at-least-once deliveries (Powertools idempotency).

SQS may deliver a dispatch request twice, and a worker may fail half-way through notifying several
agencies. Wrapping the notifier here makes each (incident, agency) notification happen once: a repeat
returns the message id recorded the first time instead of publishing again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from core.models import Incident
from core.ports import AgencyNotifier
from core.tables import IDEMPOTENCY

# Another invocation is running the same key right now (a duplicate delivery): retry later, record nothing.
InProgress = IdempotencyAlreadyInProgressError

# Longer than SQS retention (4 days) plus a DLQ redrive window, so a late redelivery is still recognised.
NOTIFICATION_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class NotificationKey:
    incident_id: str
    agency: str


def notification_config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="[incident_id, agency]",
        expires_after_seconds=NOTIFICATION_TTL_SECONDS,
        raise_on_no_idempotency_key=True,
    )


def dynamodb_persistence(table_name: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr=IDEMPOTENCY.partition_key.name,
        expiry_attr=IDEMPOTENCY.ttl_attribute or "expiration",
    )


class IdempotentNotifier:
    """An AgencyNotifier that notifies each (incident, agency) once, whatever the number of calls."""

    def __init__(
        self, inner: AgencyNotifier, persistence: BasePersistenceLayer, config: IdempotencyConfig
    ) -> None:
        self.config = config

        @idempotent_function(data_keyword_argument="key", config=config, persistence_store=persistence)
        def notify_once(key: NotificationKey, incident: Incident) -> dict[str, str]:
            return {"messageId": inner.notify(incident, key.agency)}

        self._notify_once = notify_once

    def notify(self, incident: Incident, agency: str) -> str:
        result = self._notify_once(key=NotificationKey(incident.id, agency), incident=incident)
        return str(result["messageId"])


@dataclass(frozen=True)
class OnceKey:
    key: str


class IdempotentOnce:
    """`Once` (core/agency_delivery.py) on the idempotency table: each delivery key is sent once; a send
    that raised leaves no record, so the next try sends it."""

    def __init__(self, persistence: BasePersistenceLayer, config: IdempotencyConfig | None = None) -> None:
        self.config = config or IdempotencyConfig(
            event_key_jmespath="key",
            expires_after_seconds=NOTIFICATION_TTL_SECONDS,
            raise_on_no_idempotency_key=True,
        )

        @idempotent_function(data_keyword_argument="key", config=self.config, persistence_store=persistence)
        def run_once(key: OnceKey, send: Callable[[], str]) -> dict[str, str]:
            return {"messageId": send()}

        self._run_once = run_once

    def run(self, key: str, send: Callable[[], str]) -> str:
        return str(self._run_once(key=OnceKey(key), send=send)["messageId"])

"""stats-rollup: the incidents table's stream, into the hourly and daily aggregates (core/rollups.py).

Each record names an item of one incident (the incident, a dispatch, its call's times); the incident is
read as it is now and its contribution replaced, so a repeated, late or reordered record changes nothing
twice. A record that fails is reported (ReportBatchItemFailures): Lambda retries from it, and the records
after it, already applied or not, are applied again to the same effect.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from core.observability import logger, metrics, tracer
from core.repository import PATIENT_CONFIG, dynamodb_client
from core.rollups import Rollup
from core.settings import get_settings
from core.stats_store import DynamoAggregates, DynamoIncidentItems
from core.tables import INCIDENTS

_tracer = tracer()
_PK = INCIDENTS.partition_key.name
_SK = INCIDENTS.sort_key.name if INCIDENTS.sort_key else "sk"
_PREFIX = "INCIDENT#"
# The items an incident's statistics are made of; its audit entries change with its item, so they add nothing.
_COUNTED = ("INCIDENT", "CALL", "DISPATCH#")


def incident_of(record: Mapping[str, Any]) -> str | None:
    """The incident a stream record is about, when it is about one of the items counted."""
    keys = (record.get("dynamodb") or {}).get("Keys") or {}
    pk = (keys.get(_PK) or {}).get("S")
    sk = (keys.get(_SK) or {}).get("S")
    if not isinstance(pk, str) or not isinstance(sk, str) or not pk.startswith(_PREFIX):
        return None
    if not sk.startswith(_COUNTED) or len(pk) > 64:
        return None
    return pk.removeprefix(_PREFIX)


def roll_up(records: Iterable[Mapping[str, Any]], rollup: Rollup) -> dict[str, Any]:
    done: set[str] = set()  # an incident's contribution is brought up to date once per batch
    for record in records:
        incident_id = incident_of(record)
        if incident_id is None or incident_id in done:
            continue
        try:
            changed = rollup.update(incident_id)
        except Exception:
            logger.exception("stats rollup failed", extra={"incident_id": incident_id})
            sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
        done.add(incident_id)
        logger.debug("stats rolled up", extra={"incident_id": incident_id, "changed": changed})
    return {"batchItemFailures": []}


@functools.cache
def default_rollup() -> Rollup:
    settings = get_settings()
    client = dynamodb_client(PATIENT_CONFIG)  # a stream's batch: nobody waits on the line
    return Rollup(
        DynamoIncidentItems(settings.require("table_name"), client),
        DynamoAggregates(settings.require("stats_table_name"), client),
        settings.regency,
    )


@logger.inject_lambda_context
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext, rollup: Rollup | None = None) -> Any:
    return roll_up(event.get("Records") or [], rollup or default_rollup())

"""privacy-retention, scheduled every hour: masks callers' numbers in incidents older than the retention
period of the prank policy (`retentionDays`, 90 days by default), so that no caller's history reaches
further back (core.retention)."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from core.clock import Clock, utc_now
from core.observability import logger, metrics, tracer
from core.ports import IncidentRepository
from core.repository import PATIENT_CONFIG, DynamoIncidentRepository, dynamodb_client
from core.retention import mask_old_callers
from core.settings import get_settings

_tracer = tracer()


@functools.cache
def default_repository() -> IncidentRepository:
    # Nobody waits on the sweep: a slow answer is waited for rather than sent again.
    return DynamoIncidentRepository(get_settings().require("table_name"), dynamodb_client(PATIENT_CONFIG))


@logger.inject_lambda_context
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any],
    context: LambdaContext,
    repository: IncidentRepository | None = None,
    clock: Clock = utc_now,
) -> dict[str, Any]:
    retention_days = get_settings().caller_policy.retention_days
    masked = mask_old_callers(repository or default_repository(), clock(), retention_days)
    return {"masked": masked, "retentionDays": retention_days}

"""Logging, tracing and metrics for every function, configured once (Powertools).

Service name, log level and metrics namespace come from the function's environment
(POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_NAMESPACE). Traces never carry
responses (they hold callers' phone numbers): handlers use `capture_response=False`, and logs name
incidents by id and callers only through `mask_phone`.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
tracer = Tracer()
metrics = Metrics()

__all__ = ["MetricUnit", "logger", "mask_phone", "metrics", "tracer"]


def mask_phone(phone: str | None) -> str:
    """Enough of a number to correlate log lines, not enough to call someone: +62812****7890."""
    if not phone:
        return "unknown"
    if len(phone) <= 8:
        return "*" * len(phone)
    return f"{phone[:6]}{'*' * (len(phone) - 10)}{phone[-4:]}"

"""Logging, tracing and metrics for every function, configured once (Powertools).

Service name, log level and metrics namespace come from the function's environment
(POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_NAMESPACE). Traces never carry
responses (they hold callers' phone numbers): handlers use `capture_response=False`, and logs name
incidents by id and callers only through `mask_phone`.

The tracer is created on first use: constructing it loads the X-Ray SDK, about 150 ms of cold start
measured here (`make bench`). The Connect intake, on the caller's 112 path, does not pay that; Lambda's
active tracing still records its invocations. The other functions call `tracer()` at import.
"""

from __future__ import annotations

import functools

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()

__all__ = ["MetricUnit", "logger", "mask_phone", "metrics", "tracer"]


@functools.cache
def tracer() -> Tracer:
    return Tracer()


def mask_phone(phone: str | None) -> str:
    """Enough of a number to correlate log lines, not enough to call someone: +62812******90. After the
    country code, at least half of the digits and all but five are hidden."""
    if not phone:
        return "unknown"
    digits = len(phone) - 3
    hidden = max((digits + 1) // 2, digits - 5)
    visible = digits - hidden
    tail = min(3, visible // 2)
    head = 3 + visible - tail
    return f"{phone[:head]}{'*' * hidden}{phone[len(phone) - tail :] if tail else ''}"

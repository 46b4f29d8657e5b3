"""GET /stats: the service's figures over a range, for supervisors (core/statistics.py, docs/stats.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from core.statistics import Granularity, Stats, statistics
from verify.routes.request import SECURED, CurrentSupervisor, Service, StatsStore, responses

router = Router()


@router.get(
    "/stats",
    security=SECURED,
    tags=["stats"],
    summary="Counts, answer-time shares against NENA's standard and percentiles over a range (supervisors)",
    responses=responses("The range's figures, in total and per hour or day", 401, 403),
)
def get_stats(
    supervisor: CurrentSupervisor,
    service: Service,
    store: StatsStore,
    from_: Annotated[datetime, Query(alias="from", description="Start, ISO 8601 with its zone (inclusive)")],
    to: Annotated[datetime, Query(description="End, ISO 8601 with its zone (exclusive)")],
    by: Annotated[
        Granularity | None,
        Query(description="hour (up to 31 days) or day (the regency's days); default: hour up to 2 days"),
    ] = None,
) -> Stats:
    return statistics(store, service.regency, from_, to, by)

"""GET /reports/{month} and GET /reports/{month}/incidents.csv: the monthly report for supervisors, its
summary as JSON (the panel prints it, a national feed reads it) and every incident as CSV (core/report.py)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from core.report import MONTH_PATTERN, MonthlyReport, month_csv, monthly_report
from verify.routes.request import SECURED, CurrentSupervisor, Service, StatsStore, responses

router = Router()

MonthParam = Annotated[str, Path(pattern=MONTH_PATTERN, description="The regency's month, YYYY-MM")]


@router.get(
    "/reports/<month>",
    security=SECURED,
    tags=["stats"],
    summary="A month's summary: counts, shares, percentiles, top kecamatan and categories (supervisors)",
    responses=responses("The month's summary", 401, 403),
)
def get_monthly_report(
    month: MonthParam, supervisor: CurrentSupervisor, service: Service, store: StatsStore
) -> MonthlyReport:
    return monthly_report(store, service.regency, month)


@router.get(
    "/reports/<month>/incidents.csv",
    security=SECURED,
    tags=["stats"],
    summary="A month's incidents as CSV, one row each, intervals in seconds, numbers masked (supervisors)",
    responses={
        **responses("", 401, 403),
        200: {
            "description": "CSV with a header row; the columns are described in docs/stats.md",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
)
def get_monthly_csv(
    month: MonthParam, supervisor: CurrentSupervisor, service: Service, store: StatsStore
) -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=month_csv(store, service.regency, month),
        headers={"Content-Disposition": f'attachment; filename="respon112-{month}.csv"'},
    )

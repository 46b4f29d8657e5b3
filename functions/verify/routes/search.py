"""GET /search: past incidents by caller number, kecamatan, category, outcome and arrival time, newest
first, a page at a time, each with its outcome (core/search.py): how a closed or rejected incident is found
again."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from core.intervals import Outcome
from core.models import Category
from core.search import Search, SearchPage
from verify.routes.request import SECURED, CurrentOperator, Service, responses

router = Router()


@router.get(
    "/search",
    security=SECURED,
    tags=["incidents"],
    summary="Past incidents by number, kecamatan, category, outcome and arrival time, newest first",
    responses=responses("One page of the incidents found, each with its outcome", 401, 403),
)
def search_incidents(
    operator: CurrentOperator,
    service: Service,
    from_: Annotated[
        datetime, Query(alias="from", description="Arrived at or after, ISO 8601 with its zone")
    ],
    to: Annotated[
        datetime, Query(description="Arrived before, ISO 8601 with its zone (at most 366 days on)")
    ],
    caller: Annotated[
        str | None, Query(min_length=3, max_length=32, description="The caller's number, in any usual form")
    ] = None,
    district: Annotated[str | None, Query(min_length=2, max_length=64, description="Kecamatan")] = None,
    category: Annotated[Category | None, Query()] = None,
    outcome: Annotated[Outcome | None, Query(description="What became of it (docs/stats.md)")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[
        str | None, Query(max_length=2048, description="nextCursor of the previous page")
    ] = None,
) -> SearchPage:
    found = Search(from_, to, caller=caller, district=district, category=category, outcome=outcome)
    return service.search(found, limit, cursor)

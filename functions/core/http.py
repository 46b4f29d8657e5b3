"""What the two REST functions (verify-api, intake-web) answer alike: error bodies, the 422s for bodies
that are not UTF-8 or break a domain rule, validation details that keep pydantic's message, and their
committed OpenAPI document served as is."""

from __future__ import annotations

import functools
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from core.errors import InvalidRequest

DOCUMENT_RESPONSE: dict[int, OpenAPIResponse] = {
    200: {"description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {}}}}
}


def error_response(status: HTTPStatus, message: str, **extra: Any) -> Response[Any]:
    """The error body every route answers: {statusCode, message, …}."""
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body={"statusCode": int(status), "message": message, **extra},
    )


def validation_problems(failure: RequestValidationError) -> tuple[list[dict[str, Any]], str]:
    """Each field's loc, type and message, and one line naming them all. Powertools' default drops
    pydantic's message; we keep it (it names the problem, not our code)."""
    detail = [{"loc": list(e["loc"]), "type": e["type"], "msg": e.get("msg", "")} for e in failure.errors()]
    fields = "; ".join(f"{'.'.join(str(p) for p in d['loc'])}: {d['msg']}" for d in detail)
    return detail, fields


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    """422 for a body that is not UTF-8 (Powertools would let the decode error become a 502) and for a
    request that breaks a domain rule (InvalidRequest), in the same shape as validation errors."""

    @app.exception_handler(UnicodeDecodeError)  # type: ignore[untyped-decorator]
    def not_utf8(_: UnicodeDecodeError) -> Response[Any]:
        detail = [{"loc": ["body"], "type": "json_invalid", "msg": "the body is not UTF-8 text"}]
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY, "invalid request: the body is not UTF-8 text", detail=detail
        )

    @app.exception_handler(InvalidRequest)  # type: ignore[untyped-decorator]
    def invalid(failure: InvalidRequest) -> Response[Any]:
        loc = [failure.source, *failure.field.split(".")]
        detail = [{"loc": loc, "type": "value_error", "msg": failure.problem}]
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, str(failure), detail=detail)


@functools.cache
def _document(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def document_response(path: Path) -> Response[str]:
    """The committed OpenAPI document, read once per environment."""
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=_document(path))

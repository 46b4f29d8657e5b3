"""What the two REST functions (verify-api, intake-web) answer alike: CORS for the panel's origins, error
bodies, the 422s for bodies that are not UTF-8 or break a domain rule, validation details that keep
pydantic's message, and their committed OpenAPI document served as is."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic.alias_generators import to_camel

from core.errors import InvalidRequest
from core.settings import get_settings

# A \uD800-\uDFFF escape: JSON may spell a lone surrogate, which no UTF-8 store (DynamoDB) can hold.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")

DOCUMENT_RESPONSE: dict[int, OpenAPIResponse] = {
    200: {"description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {}}}}
}


def panel_cors(allow_headers: list[str]) -> CORSConfig | None:
    """CORS for the panel's origins only (CORS_ALLOW_ORIGINS, set by the stack; the report form is served
    with the panel); none when unset (local: the panel and the API share an origin). Retry-After is
    exposed: the panel and the form back off as the API asks."""
    origins = get_settings().allowed_origins
    if not origins:
        return None
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        allow_headers=allow_headers,
        expose_headers=["Retry-After"],
    )


def error_response(status: HTTPStatus, message: str, **extra: Any) -> Response[Any]:
    """The error body every route answers: {statusCode, message, …}."""
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body={"statusCode": int(status), "message": message, **extra},
    )


def _json_loc(loc: Any) -> list[Any]:
    """A body field as the client wrote it: pydantic names a defaulted field it validated (one the
    client left out) by its Python name, duplicate_of, where the JSON says duplicateOf."""
    parts = list(loc)
    if parts[:1] == ["body"]:
        return ["body", *(to_camel(p) if isinstance(p, str) and "_" in p else p for p in parts[1:])]
    return parts


def validation_problems(failure: RequestValidationError) -> tuple[list[dict[str, Any]], str]:
    """Each field's loc, type and message, and one line naming them all. Powertools' default drops
    pydantic's message; we keep it (it names the problem, not our code)."""
    detail = [
        {"loc": _json_loc(e["loc"]), "type": e["type"], "msg": e.get("msg", "")} for e in failure.errors()
    ]
    fields = "; ".join(f"{'.'.join(str(p) for p in d['loc'])}: {d['msg']}" for d in detail)
    return detail, fields


def json_loads(text: str | bytes) -> Any:
    """json.loads for bodies from the internet. What Python cannot parse is a JSONDecodeError, the one
    error Powertools answers with a 4xx: a body nested deeper than Python's stack (RecursionError) and an
    integer longer than Python converts (ValueError, over 4,300 digits) would otherwise be a 5xx. A lone
    surrogate becomes U+FFFD, so that what was accepted can be stored. Used as Powertools'
    json_body_deserializer and by the webhooks."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("the JSON nests too deeply", "", 0) from None
    except ValueError as error:  # int(): "Exceeds the limit (4300 digits) for integer string conversion"
        raise json.JSONDecodeError(f"a number Python cannot convert ({str(error)[:80]})", "", 0) from None
    # Looked for in what was parsed, bytes or text, rather than decoding the body a second time.
    if isinstance(text, str):
        escaped = _SURROGATE_ESCAPE.search(text) is not None
    else:
        escaped = _SURROGATE_ESCAPE_BYTES.search(text) is not None
    return _without_lone_surrogates(data) if escaped else data


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:  # only lone surrogates fail: a valid pair was decoded to one character
            return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def register_error_handlers(
    app: APIGatewayRestResolver, keep: Callable[[str], dict[str, Any]] | None = None
) -> None:
    """400 for a body that is not JSON or not UTF-8 (Powertools would answer 422, or let the decode
    error become a 502), 422 for one that fails validation (each field with pydantic's message) and
    for a request that breaks a domain rule (InvalidRequest), in one shape. `keep(problem)` may store
    what was refused and return fields to add to the answer (the public intake keeps a refused report
    as an incident)."""

    def refused(
        message: str, detail: list[dict[str, Any]], status: HTTPStatus = HTTPStatus.UNPROCESSABLE_ENTITY
    ) -> Response[Any]:
        extra = keep(message) if keep else {}
        return error_response(status, message, detail=detail, **extra)

    @app.exception_handler(UnicodeDecodeError)  # type: ignore[untyped-decorator]
    def not_utf8(_: UnicodeDecodeError) -> Response[Any]:
        detail = [{"loc": ["body"], "type": "json_invalid", "msg": "the body is not UTF-8 text"}]
        return refused("invalid request: the body is not UTF-8 text", detail, HTTPStatus.BAD_REQUEST)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def invalid_body(failure: RequestValidationError) -> Response[Any]:
        detail, fields = validation_problems(failure)
        if detail and all(d["type"] == "json_invalid" for d in detail):
            message = f"invalid request: the body is not JSON ({fields})"
            return refused(message, detail, HTTPStatus.BAD_REQUEST)
        return refused(f"invalid request: {fields}", detail)

    @app.exception_handler(InvalidRequest)  # type: ignore[untyped-decorator]
    def invalid(failure: InvalidRequest) -> Response[Any]:
        loc = [failure.source, *failure.field.split(".")]
        return refused(str(failure), [{"loc": loc, "type": "value_error", "msg": failure.problem}])


@functools.cache
def _document(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def document_response(path: Path) -> Response[str]:
    """The committed OpenAPI document, read once per environment."""
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=_document(path))

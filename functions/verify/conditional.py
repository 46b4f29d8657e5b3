"""Conditional GETs: the panel polls the queue every second or two; an unchanged answer costs a 304
with no body. The ETag is a hash of the body the route produced, so it changes exactly when the data
does, and `Cache-Control: private, no-cache` makes the browser revalidate with If-None-Match each time."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

CACHE_CONTROL = "private, no-cache"


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def apply_conditional_get(event: Mapping[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """Add ETag and Cache-Control to a successful GET; answer 304 when the client already has it."""
    if (
        event.get("httpMethod") != "GET"
        or response.get("statusCode") != 200
        or response.get("isBase64Encoded")
    ):
        return response
    body = response.get("body") or ""
    etag = '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'
    # Powertools' REST responses carry multiValueHeaders; API Gateway also accepts plain headers.
    multi = {key: list(values) for key, values in (response.get("multiValueHeaders") or {}).items()}
    multi |= {"ETag": [etag], "Cache-Control": [CACHE_CONTROL]}
    answer = {**response, "multiValueHeaders": multi}
    known = _header(event.get("headers"), "if-none-match")
    if known and etag in {tag.strip().removeprefix("W/") for tag in known.split(",")}:
        return {**answer, "statusCode": 304, "body": ""}
    return answer

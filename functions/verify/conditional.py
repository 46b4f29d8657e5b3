"""Conditional GETs: the panel polls the queue every second or two; an unchanged answer costs a 304
with no body. The ETag is a hash of the body the route produced, so it changes exactly when the data
does, and `Cache-Control: private, no-cache` makes the browser revalidate with If-None-Match each time."""

from __future__ import annotations

import hashlib
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

CACHE_CONTROL = "private, no-cache"


def apply_conditional_get(request: APIGatewayProxyEvent, response: dict[str, Any]) -> dict[str, Any]:
    """Add ETag and Cache-Control to a successful GET; answer 304 when the client already has it."""
    if request.http_method != "GET" or response.get("statusCode") != 200 or response.get("isBase64Encoded"):
        return response
    body = response.get("body") or ""
    etag = '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'
    # Powertools' REST responses carry multiValueHeaders; API Gateway also accepts plain headers.
    multi = {key: list(values) for key, values in (response.get("multiValueHeaders") or {}).items()}
    multi |= {"ETag": [etag], "Cache-Control": [CACHE_CONTROL]}
    answer = {**response, "multiValueHeaders": multi}
    known = request.headers.get("If-None-Match")  # Powertools' headers ignore case
    if known and etag in {tag.strip().removeprefix("W/") for tag in known.split(",")}:
        return {**answer, "statusCode": 304, "body": ""}
    return answer

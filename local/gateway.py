"""The local gateway: the REST API (as API Gateway with a Cognito authorizer and Lambda proxy
integrations) and the Lambda Invoke API (as `sam local start-lambda`), over the same handlers."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from core.observability import mask_phone
from infra.definitions import api_routes, resource_prefix
from local.auth import CognitoAuthorizer
from local.config import ACCOUNT_ID, STAGE
from local.panel import PanelFiles
from local.runtime import Runtime, UnknownFunction
from local.standins import AgencyOutbox, ConnectStandIn, GraphApiStandIn

LogLine = Callable[[str], None]


@dataclass(frozen=True)
class Route:
    method: str
    resource: str  # API Gateway resource path, e.g. /incidents/{incident_id}
    function: str
    secured: bool
    pattern: re.Pattern[str]


def _pattern(resource: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(resource))
    return re.compile(f"^{regex}$")


# Query parameters that carry a secret (Meta's verify token, the AML relay's token): never in the log.
_SECRET_QUERY = re.compile(r"(?<=[?&])(hub\.verify_token|token)=[^&]*")


# A caller's number in a path (/callers/%2B62…): personal data, never in the log in full (as mask_phone).
_NUMBER = re.compile(r"(?:%2[bB]|\+)([0-9]{8,15})")


def _masked_number(match: re.Match[str]) -> str:
    return mask_phone(f"+{match.group(1)}")


def _redacted(path: str) -> str:
    return _NUMBER.sub(_masked_number, _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=***", path))


def _raw_path(request: Request) -> str:
    """The path as the client sent it, still percent-encoded, as API Gateway's REST events carry it
    (path parameters come decoded)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    return str(raw).split("?", 1)[0] if raw else request.path


def load_routes() -> list[Route]:
    """The routes of every API function (infra.definitions.api_routes, as the CDK API builds them)."""
    return [Route(r.method, r.path, r.function, r.secured, _pattern(r.path)) for r in api_routes()]


def _single_and_multi(
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        multi.setdefault(key, []).append(value)
    if not multi:
        return None, None
    return {k: v[-1] for k, v in multi.items()}, multi


def rest_event(
    request: Request, route: Route, path_params: dict[str, str], claims: dict[str, str] | None
) -> dict[str, Any]:
    """An API Gateway REST (v1) Lambda proxy event, as the deployed API builds it."""
    raw = request.get_data(cache=True)
    try:
        body: str | None = raw.decode("utf-8") if raw else None
        is_base64 = False
    except UnicodeDecodeError:
        body, is_base64 = base64.b64encode(raw).decode(), True
    headers, multi_headers = _single_and_multi(request.headers.items())
    query, multi_query = _single_and_multi(request.args.items(multi=True))
    now = datetime.now(UTC)
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": "local",
        "domainName": request.host,
        "domainPrefix": request.host.split(".")[0],
        "extendedRequestId": str(uuid.uuid4()),
        "httpMethod": route.method,
        "identity": {"sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.user_agent.string},
        "path": f"/{STAGE}{_raw_path(request)}",
        "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "requestId": str(uuid.uuid4()),
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "resourceId": "local",
        "resourcePath": route.resource,
        "stage": STAGE,
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": route.resource,
        "path": _raw_path(request),
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


class RestApi:
    """WSGI app: route, authorize, invoke the function, translate its proxy response."""

    def __init__(
        self,
        runtime: Runtime,
        authorizer: CognitoAuthorizer,
        log: LogLine,
        panel: PanelFiles | None = None,
        graph: GraphApiStandIn | None = None,
        connect: ConnectStandIn | None = None,
        agency_outbox: AgencyOutbox | None = None,
    ) -> None:
        self._runtime = runtime
        self._authorizer = authorizer
        self._routes = load_routes()
        self._log = log
        self._panel = panel
        self._graph = graph
        self._connect = connect
        self._agency_outbox = agency_outbox

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        started = time.perf_counter()
        response, who = self._handle(request)
        elapsed = (time.perf_counter() - started) * 1000
        path = _redacted(request.full_path.rstrip("?"))
        self._log(f"API    {request.method:6} {path} → {response.status_code} {who} {elapsed:.0f} ms")
        return response(environ, start_response)

    def _handle(self, request: Request) -> tuple[Response, str]:
        for route in self._routes:
            match = route.pattern.match(request.path)
            if match and route.method == request.method:
                break
        else:
            # Locally the panel shares the API's origin (in the cloud CloudFront serves it), and the
            # gateway stands in for Meta's Graph API and Amazon Connect's DescribeUser.
            for stand_in in (self._graph, self._connect, self._agency_outbox):
                served = stand_in.serve(request) if stand_in else None
                if served is not None:
                    return served, "(stand-in)"
            served = self._panel.serve(request) if self._panel else None
            if served is not None:
                return served, "(panel)"
            # API Gateway's answer for a path or method it has no resource for.
            return _json(
                403,
                {"message": "Missing Authentication Token"},
                {"x-amzn-ErrorType": "MissingAuthenticationTokenException"},
            ), ""
        claims = None
        if route.secured:
            claims = self._authorizer.claims(request.headers.get("Authorization"))
            if claims is None:
                return _json(
                    401, {"message": "Unauthorized"}, {"x-amzn-ErrorType": "UnauthorizedException"}
                ), ""
        event = rest_event(request, route, match.groupdict(), claims)
        invocation = self._runtime.invoke(route.function, event)
        who = f"({claims.get('cognito:username')})" if claims else ""
        if not invocation.ok:
            return _json(502, {"message": "Internal server error"}), who
        return self._proxy_response(invocation.result()), who

    @staticmethod
    def _proxy_response(result: Any) -> Response:
        if not isinstance(result, dict) or "statusCode" not in result:
            return _json(502, {"message": "Internal server error"})  # a malformed Lambda proxy response
        headers = Headers()
        for key, value in (result.get("headers") or {}).items():
            headers[key] = value
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers.remove(key)
            for value in values:
                headers.add(key, value)
        if "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"  # API Gateway's default for proxy responses
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
        return Response(data, status=int(result["statusCode"]), headers=headers)


_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")
_DEPLOYED_PREFIX = f"{resource_prefix(STAGE)}-"


def function_name(identifier: str) -> str:
    """The short name from what Lambda accepts: a name, a deployed name, or an ARN, with or without
    a qualifier (`…:function:respon112-local-intake-connect:$LATEST` → `intake-connect`)."""
    name = identifier.split(":function:", 1)[1] if ":function:" in identifier else identifier
    return name.split(":", 1)[0].removeprefix(_DEPLOYED_PREFIX)


class LambdaApi:
    """WSGI app: the Lambda Invoke API, so `boto3.client("lambda", endpoint_url=...)` can invoke by name."""

    def __init__(self, runtime: Runtime, log: LogLine) -> None:
        self._runtime = runtime
        self._log = log

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        match = _INVOKE.match(request.path)
        if request.method != "POST" or not match:
            message = f"Unknown operation {request.method} {request.path}"
            return _json(
                404, {"Type": "User", "message": message}, {"x-amzn-ErrorType": "UnknownOperationException"}
            )
        name = function_name(match["name"])
        if name not in self._runtime.names:
            return _json(404, {"Type": "User", "message": f"Function not found: {name}"},
                         {"x-amzn-ErrorType": "ResourceNotFoundException"})  # fmt: skip
        raw = request.get_data() or b"{}"
        try:
            event = json.loads(raw)
        except ValueError:
            return _json(400, {"Type": "User", "message": "Could not parse request body into json"},
                         {"x-amzn-ErrorType": "InvalidRequestContentException"})  # fmt: skip
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            return Response(status=204)
        if invocation_type == "Event":
            threading.Thread(target=self._runtime.invoke, args=(name, event), daemon=True).start()
            return Response(status=202)
        try:
            invocation = self._runtime.invoke(name, event)
        except UnknownFunction:  # pragma: no cover - checked above
            return _json(404, {"Type": "User", "message": f"Function not found: {name}"})
        headers = {"X-Amz-Executed-Version": "$LATEST", "x-amzn-RequestId": invocation.request_id}
        if invocation.error:
            headers["X-Amz-Function-Error"] = invocation.error
        return Response(invocation.payload, status=200, headers=headers, content_type="application/json")

"""local.gateway: the routes from the committed OpenAPI document, the API Gateway (REST, v1) proxy event,
and the two WSGI apps (REST API, Lambda Invoke API) over a stand-in runtime and authorizer."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from infra.definitions import API_FUNCTIONS, FUNCTIONS_DIR
from local.auth import CognitoAuthorizer
from local.config import ACCOUNT_ID, REGION, STAGE
from local.gateway import LambdaApi, RestApi, Route, _redacted, load_routes, rest_event
from local.runtime import Invocation, Runtime

SPECS = {
    design.name: json.loads((FUNCTIONS_DIR / str(design.api_spec)).read_text(encoding="utf-8"))
    for design in API_FUNCTIONS
}
SPEC = SPECS["verify-api"]
INCIDENT = "01JDQ2V7X5T8K3M9P4R6S1W0YZ"
CLAIMS = {"cognito:username": "operator1", "cognito:groups": "operator", "token_use": "id"}


def route(method: str, resource: str) -> Route:
    return next(r for r in load_routes() if r.method == method and r.resource == resource)


def event_for(
    method: str,
    path: str,
    resource: str,
    claims: dict[str, str] | None = None,
    **builder: Any,
) -> dict[str, Any]:
    request = Request(EnvironBuilder(method=method, path=path, **builder).get_environ())
    chosen = route(method, resource)
    match = chosen.pattern.match(request.path)
    assert match is not None
    return rest_event(request, chosen, match.groupdict(), claims)


# -- routes ---------------------------------------------------------------------------------------------


def test_routes_cover_every_operation_of_the_openapi_documents() -> None:
    documented = {
        (method.upper(), path, function)
        for function, spec in SPECS.items()
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "delete", "patch", "head", "options"}
    }

    routes = load_routes()

    assert {(r.method, r.resource, r.function) for r in routes} == documented
    assert len(routes) == len(documented)


def test_the_operators_routes_are_secured_and_the_public_intake_is_not() -> None:
    for route in load_routes():
        if route.function == "verify-api":
            assert route.secured is (route.resource != "/openapi.json"), route
        else:
            assert route.function in ("intake-web", "agency-api")
            assert not route.secured, route  # signatures, tokens, links and rate limits guard these instead


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/incidents/{INCIDENT}", {"incident_id": INCIDENT}),
        ("/incidents/anything-goes", {"incident_id": "anything-goes"}),
        (f"/incidents/{INCIDENT}/claim", None),
        (f"/incidents/{INCIDENT}/", None),
        ("/incidents/", None),
        (f"/prefix/incidents/{INCIDENT}", None),
    ],
)
def test_path_parameters_match_one_segment(path: str, expected: dict[str, str] | None) -> None:
    match = route("GET", "/incidents/{incident_id}").pattern.match(path)

    assert (match.groupdict() if match else None) == expected


def test_nested_path_parameters() -> None:
    pattern = route("POST", "/incidents/{incident_id}/dispatches/{agency}/acknowledge").pattern

    match = pattern.match(f"/incidents/{INCIDENT}/dispatches/DAMKAR/acknowledge")

    assert match is not None
    assert match.groupdict() == {"incident_id": INCIDENT, "agency": "DAMKAR"}


# -- the proxy event -----------------------------------------------------------------------------------


def test_rest_event_for_a_post_with_path_query_claims_and_body() -> None:
    body = json.dumps({"reason": "PRANK", "note": "iseng"})

    event = event_for(
        "POST",
        f"/incidents/{INCIDENT}/reject",
        "/incidents/{incident_id}/reject",
        CLAIMS,
        query_string="trace=a&trace=b&lang=id",
        headers={"Authorization": "Bearer abc", "Content-Type": "application/json", "X-Test": "1"},
        data=body,
    )

    assert event["resource"] == "/incidents/{incident_id}/reject"
    assert event["path"] == f"/incidents/{INCIDENT}/reject"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"incident_id": INCIDENT}
    assert event["queryStringParameters"] == {"trace": "b", "lang": "id"}  # the last value, like API Gateway
    assert event["multiValueQueryStringParameters"] == {"trace": ["a", "b"], "lang": ["id"]}
    assert event["headers"]["Authorization"] == "Bearer abc"
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["multiValueHeaders"]["X-Test"] == ["1"]
    assert event["body"] == body
    assert event["isBase64Encoded"] is False
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert context["authorizer"] == {"claims": CLAIMS}
    assert context["resourcePath"] == "/incidents/{incident_id}/reject"
    assert context["httpMethod"] == "POST"
    assert context["path"] == f"/{STAGE}/incidents/{INCIDENT}/reject"
    assert context["stage"] == STAGE
    assert context["accountId"] == ACCOUNT_ID
    assert context["requestId"] != event_for("GET", "/me", "/me", CLAIMS)["requestContext"]["requestId"]
    APIGatewayProxyEventModel.model_validate(event)


def test_rest_event_without_claims_query_or_body() -> None:
    event = event_for("GET", "/openapi.json", "/openapi.json")

    assert "authorizer" not in event["requestContext"]
    assert event["pathParameters"] is None
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    APIGatewayProxyEventModel.model_validate(event)


def test_rest_event_body_that_is_not_utf8_is_base64() -> None:
    raw = b"\xff\xfe\x00binary"

    event = event_for(
        "POST", f"/incidents/{INCIDENT}/close", "/incidents/{incident_id}/close", CLAIMS, data=raw
    )

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_rest_event_keeps_utf8_text() -> None:
    body = json.dumps({"note": "Api padam — tidak ada korban"}, ensure_ascii=False)

    event = event_for(
        "POST",
        f"/incidents/{INCIDENT}/close",
        "/incidents/{incident_id}/close",
        CLAIMS,
        data=body.encode("utf-8"),
    )

    assert event["isBase64Encoded"] is False
    assert event["body"] == body


# -- the REST API over a stand-in runtime ------------------------------------------------------------------


class FakeRuntime:
    def __init__(self, result: Any = None, error: str | None = None, names: tuple[str, ...] = ()) -> None:
        self.result = result if result is not None else {"statusCode": 200, "body": "{}"}
        self.error = error
        self.names = list(names) or ["verify-api", "intake-connect"]
        self.calls: list[tuple[str, Any]] = []

    def invoke(self, name: str, event: Any) -> Invocation:
        self.calls.append((name, event))
        return Invocation(name, str(uuid.uuid4()), json.dumps(self.result), self.error, 1.0, None)


class FakeAuthorizer:
    def claims(self, authorization: str | None) -> dict[str, str] | None:
        return dict(CLAIMS) if authorization == "Bearer good" else None


def rest_client(runtime: FakeRuntime) -> Client:
    app = RestApi(cast(Runtime, runtime), cast(CognitoAuthorizer, FakeAuthorizer()), lambda line: None)
    return Client(app)


def test_rest_api_invokes_the_function_with_the_claims() -> None:
    runtime = FakeRuntime({"statusCode": 201, "headers": {"X-Id": "1"}, "body": '{"ok": true}'})

    response = rest_client(runtime).post(
        "/incidents", json={"channel": "RADIO"}, headers={"Authorization": "Bearer good"}
    )

    assert response.status_code == 201
    assert response.headers["X-Id"] == "1"
    assert json.loads(response.data) == {"ok": True}
    [(name, event)] = runtime.calls
    assert name == "verify-api"
    assert event["requestContext"]["authorizer"]["claims"]["cognito:username"] == "operator1"
    assert json.loads(event["body"]) == {"channel": "RADIO"}


@pytest.mark.parametrize("authorization", [None, "Bearer bad"])
def test_rest_api_answers_401_without_invoking(authorization: str | None) -> None:
    runtime = FakeRuntime()
    headers = {"Authorization": authorization} if authorization else {}

    response = rest_client(runtime).get("/incidents", headers=headers)

    assert response.status_code == 401
    assert response.get_json() == {"message": "Unauthorized"}
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert runtime.calls == []


def test_rest_api_public_route_needs_no_token() -> None:
    runtime = FakeRuntime()

    response = rest_client(runtime).get("/openapi.json")

    assert response.status_code == 200
    assert "authorizer" not in runtime.calls[0][1]["requestContext"]


@pytest.mark.parametrize(("method", "path"), [("GET", "/nowhere"), ("DELETE", "/incidents"), ("PUT", "/me")])
def test_rest_api_unknown_route_is_missing_authentication_token(method: str, path: str) -> None:
    runtime = FakeRuntime()

    response = rest_client(runtime).open(path, method=method, headers={"Authorization": "Bearer good"})

    assert response.status_code == 403
    assert response.get_json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert runtime.calls == []


@pytest.mark.parametrize(
    ("result", "error"),
    [
        ({"errorMessage": "boom", "errorType": "RuntimeError"}, "Unhandled"),
        ({"no": "statusCode"}, None),
        (["not", "a", "dict"], None),
    ],
)
def test_rest_api_function_failure_is_502(result: Any, error: str | None) -> None:
    response = rest_client(FakeRuntime(result, error)).get("/me", headers={"Authorization": "Bearer good"})

    assert response.status_code == 502
    assert response.get_json() == {"message": "Internal server error"}


def test_rest_api_multi_value_headers_and_base64_bodies() -> None:
    result = {
        "statusCode": 200,
        "headers": {"Content-Type": "application/octet-stream", "Set-Cookie": "single=1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": base64.b64encode(b"\x00\x01binary").decode(),
        "isBase64Encoded": True,
    }

    response = rest_client(FakeRuntime(result)).get("/me", headers={"Authorization": "Bearer good"})

    assert response.data == b"\x00\x01binary"
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["Content-Type"] == "application/octet-stream"


# -- the Lambda Invoke API over a stand-in runtime ---------------------------------------------------------


def invoke_path(name: str) -> str:
    return f"/2015-03-31/functions/{name}/invocations"


def lambda_client(runtime: FakeRuntime) -> Client:
    return Client(LambdaApi(cast(Runtime, runtime), lambda line: None))


def test_lambda_api_invokes_by_name() -> None:
    runtime = FakeRuntime({"incidentId": INCIDENT})

    response = lambda_client(runtime).post(invoke_path("intake-connect"), data=b'{"Details": {}}')

    assert response.status_code == 200
    assert response.get_json() == {"incidentId": INCIDENT}
    assert response.headers["X-Amz-Executed-Version"] == "$LATEST"
    assert "X-Amz-Function-Error" not in response.headers
    assert runtime.calls == [("intake-connect", {"Details": {}})]


def test_lambda_api_empty_payload_is_an_empty_event() -> None:
    runtime = FakeRuntime({})

    lambda_client(runtime).post(invoke_path("intake-connect"))

    assert runtime.calls == [("intake-connect", {})]


@pytest.mark.parametrize(
    "function_name",
    [
        f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:intake-connect",
        f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:respon112-{STAGE}-intake-connect",
    ],
)
def test_lambda_api_invokes_by_arn(function_name: str) -> None:
    runtime = FakeRuntime({})

    response = lambda_client(runtime).post(invoke_path(function_name), data=b"{}")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert runtime.calls == [("intake-connect", {})]


def test_lambda_api_function_error_header() -> None:
    runtime = FakeRuntime({"errorMessage": "boom", "errorType": "ValueError"}, error="Unhandled")

    response = lambda_client(runtime).post(invoke_path("intake-connect"), data=b"{}")

    assert response.status_code == 200
    assert response.headers["X-Amz-Function-Error"] == "Unhandled"
    assert response.get_json()["errorType"] == "ValueError"


def test_lambda_api_unknown_function_is_404() -> None:
    runtime = FakeRuntime()

    response = lambda_client(runtime).post(invoke_path("nope"), data=b"{}")

    assert response.status_code == 404
    assert response.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert runtime.calls == []


def test_lambda_api_payload_that_is_not_json_is_400() -> None:
    runtime = FakeRuntime()

    response = lambda_client(runtime).post(invoke_path("intake-connect"), data=b"{nope")

    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    assert runtime.calls == []


def test_lambda_api_dry_run_is_204_and_invokes_nothing() -> None:
    runtime = FakeRuntime()

    response = lambda_client(runtime).post(
        invoke_path("intake-connect"), data=b"{}", headers={"X-Amz-Invocation-Type": "DryRun"}
    )

    assert response.status_code == 204
    assert runtime.calls == []


@pytest.mark.parametrize(
    ("method", "path"), [("GET", invoke_path("intake-connect")), ("POST", "/2015-03-31/functions")]
)
def test_lambda_api_other_operations_are_unknown(method: str, path: str) -> None:
    response = lambda_client(FakeRuntime()).open(path, method=method)

    assert response.status_code == 404
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (
            "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=42",
            "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=***&hub.challenge=42",
        ),
        ("/aml?token=s3cret", "/aml?token=***"),
        ("/incidents?status=RECEIVED&limit=5", "/incidents?status=RECEIVED&limit=5"),
        ("/callers/%2B6281234567890/standing", "/callers/+62812******90/standing"),
        ("/callers/+6281234567890", "/callers/+62812******90"),
        ("/incidents/01KB0Z3Q7M2X8N4P6R9T1V5W3Y", "/incidents/01KB0Z3Q7M2X8N4P6R9T1V5W3Y"),
    ],
)
def test_the_request_log_hides_tokens_in_queries_and_callers_numbers(path: str, logged: str) -> None:
    assert _redacted(path) == logged

"""The committed OpenAPI document: up to date with the routes, secured where it must be, mappable."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import pytest

import tools.generated
import tools.openapi
from infra.definitions import API_FUNCTIONS, FUNCTIONS_DIR
from local.gateway import load_routes
from tests.support import EVENTS, ROOT, load_event
from verify.api import openapi_schema

OPENAPI_FILE = ROOT / "functions" / "verify" / "openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
PUBLIC_PATHS = {"/openapi.json"}
PARAM = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    return loaded


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_the_committed_document_is_what_the_routes_render() -> None:
    rendered = tools.generated.render(openapi_schema())

    assert OPENAPI_FILE.read_text(encoding="utf-8") == rendered, "stale: run `make openapi`"


def test_the_generator_writes_the_file_the_api_function_serves() -> None:
    assert OPENAPI_FILE in tools.openapi.DOCUMENTS
    assert FUNCTIONS_DIR / str(API_FUNCTIONS[0].api_spec) == OPENAPI_FILE
    assert {FUNCTIONS_DIR / str(f.api_spec) for f in API_FUNCTIONS} == set(tools.openapi.DOCUMENTS)


def test_the_document_describes_every_route(document: dict[str, Any]) -> None:
    described = {(path, method) for path, method, _ in operations(document)}

    assert described == {
        ("/openapi.json", "get"),
        ("/me", "get"),
        ("/operators", "get"),
        ("/incidents", "get"),
        ("/incidents", "post"),
        ("/incidents/{incident_id}", "get"),
        ("/incidents/{incident_id}/claim", "post"),
        ("/incidents/{incident_id}/reassign", "post"),
        ("/incidents/{incident_id}/verify", "post"),
        ("/incidents/{incident_id}/reject", "post"),
        ("/incidents/{incident_id}/dispatches/{agency}/acknowledge", "post"),
        ("/incidents/{incident_id}/close", "post"),
        ("/incidents/{incident_id}/update", "post"),
        ("/incidents/{incident_id}/cancel", "post"),
        ("/incidents/{incident_id}/reopen", "post"),
        ("/callbacks", "get"),
        ("/incidents/{incident_id}/callbacks", "post"),
        ("/incidents/{incident_id}/unreachable", "post"),
        ("/incidents/{incident_id}/silent", "post"),
        ("/callers", "get"),
        ("/callers/{number}", "get"),
        ("/callers/{number}/standing", "post"),
        ("/agencies", "get"),
        ("/agencies/suggestion", "get"),
        ("/agencies/posts", "get"),
        ("/agencies/types/{code}", "get"),
        ("/agencies/types/{code}", "post"),
        ("/agencies/types/{code}", "put"),
        ("/agencies/types/{code}", "delete"),
        ("/agencies/posts/{post_id}", "get"),
        ("/agencies/posts/{post_id}", "post"),
        ("/agencies/posts/{post_id}", "put"),
        ("/agencies/posts/{post_id}", "delete"),
        ("/incidents/{incident_id}/related", "get"),
        ("/incidents/{incident_id}/attach", "post"),
        ("/incidents/{incident_id}/detach", "post"),
        ("/incidents/{incident_id}/notes", "post"),
        ("/major-incidents", "get"),
        ("/major-incidents", "post"),
        ("/major-incidents/{major_id}/end", "post"),
        ("/incidents/{incident_id}/messages", "post"),
        ("/stats", "get"),
        ("/search", "get"),
        ("/reports/{month}", "get"),
        ("/reports/{month}/incidents.csv", "get"),
    }


def test_the_cognito_scheme_is_a_bearer_jwt(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["cognito"]

    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "JWT"
    assert "security" not in document  # no global default: each operation says what it needs


def test_every_route_but_the_document_requires_cognito(document: dict[str, Any]) -> None:
    secured = [(p, m, op) for p, m, op in operations(document) if p not in PUBLIC_PATHS]

    assert len(secured) == 44
    for path, method, operation in secured:
        assert operation.get("security") == [{"cognito": []}], f"{method.upper()} {path}"


def test_the_document_itself_is_public(document: dict[str, Any]) -> None:
    operation = document["paths"]["/openapi.json"]["get"]

    assert "security" not in operation
    assert "401" not in operation["responses"]


def test_every_secured_operation_declares_401_and_403(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if not operation.get("security"):
            continue
        for code in ("401", "403"):
            response = operation["responses"].get(code)
            assert response, f"{method.upper()} {path} does not declare {code}"
            assert response["description"]
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, f"{method.upper()} {path} {code}"


def test_operations_on_one_incident_declare_404_and_workflow_moves_409(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if "{incident_id}" not in path:
            continue
        assert "404" in operation["responses"], f"{method.upper()} {path}"
        if method == "post":
            assert "409" in operation["responses"], f"{method.upper()} {path}"


def test_operations_on_one_directory_entry_declare_404_and_changes_409(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if not path.startswith("/agencies/") or "{" not in path:
            continue
        if method != "post":
            assert "404" in operation["responses"], f"{method.upper()} {path}"
        if method != "get":
            assert "409" in operation["responses"], f"{method.upper()} {path}"


def test_paths_use_api_gateway_parameters_declared_by_their_operations(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        assert path.startswith("/")
        assert "<" not in path
        assert ">" not in path
        assert not path.endswith("/")
        in_path = set(PARAM.findall(path))
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert in_path == declared, f"{method.upper()} {path}"
        assert all(p["required"] for p in operation.get("parameters", []) if p["in"] == "path")


def test_the_local_gateway_maps_every_operation(document: dict[str, Any]) -> None:
    routes = {
        (route.method, route.resource): route for route in load_routes() if route.function == "verify-api"
    }

    for path, method, operation in operations(document):
        route = routes[(method.upper(), path)]
        assert route.function == "verify-api"
        assert route.secured is bool(operation.get("security"))
        concrete = PARAM.sub("01KB0Z3Q7M2X8N4P6R9T1V5W3Y", path)
        match = route.pattern.match(concrete)
        assert match, f"{path} does not match {concrete}"
        assert set(match.groupdict()) == set(PARAM.findall(path))
    assert len(routes) == len(operations(document))


@pytest.mark.parametrize("sample", sorted(p.name for p in (EVENTS / "apigw").glob("*.json")))
def test_every_sample_event_is_a_documented_route(sample: str) -> None:
    event = load_event(f"apigw/{sample}")
    routes = {(route.method, route.resource): route for route in load_routes()}
    paths: dict[str, Any] = {}
    for design in API_FUNCTIONS:
        paths |= json.loads((FUNCTIONS_DIR / str(design.api_spec)).read_text(encoding="utf-8"))["paths"]

    assert event["resource"] in paths
    assert event["httpMethod"].lower() in paths[event["resource"]]
    route = routes[(event["httpMethod"], event["resource"])]
    # API Gateway's REST events keep the path percent-encoded (/callers/%2B62…) and decode its parameters.
    match = route.pattern.match(unquote(event["path"]))
    assert match
    assert match.groupdict() == (event["pathParameters"] or {})

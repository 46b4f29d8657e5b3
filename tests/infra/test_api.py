"""The REST API: every route of the committed OpenAPI documents, behind the Cognito authorizer unless
public by design, throttled, logged, traced, behind WAF, and answering CORS for the panel only."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Validations

from infra.constants import API_THROTTLE_BURST, API_THROTTLE_RATE
from infra.definitions import api_routes
from tests.infra.conftest import PANEL_DOMAIN
from tests.infra.helpers import Synthesized, get_att, ref, render

ROUTES = api_routes()
ROOT = "/"


def resource_paths(config: Synthesized) -> dict[str, str]:
    """Canonical text of a method's ResourceId -> the resource path it stands for."""
    rest_api = config.only("AWS::ApiGateway::RestApi")
    root = render(get_att(rest_api, "RootResourceId"))
    resources = config.of_type("AWS::ApiGateway::Resource")

    def path(lid: str) -> str:
        props = resources[lid]["Properties"]
        assert props["RestApiId"] == ref(rest_api)
        parent = render(props["ParentId"])
        prefix = "" if parent == root else path(parent[2:-1])
        return f"{prefix}/{props['PathPart']}"

    paths = {render(ref(lid)): path(lid) for lid in resources}
    paths[root] = ROOT
    return paths


def methods(config: Synthesized) -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, resource path) -> the method's properties."""
    paths = resource_paths(config)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for lid, method in config.of_type("AWS::ApiGateway::Method").items():
        props = method["Properties"]
        key = (props["HttpMethod"], paths[render(props["ResourceId"])])
        assert key not in found, f"{key} declared twice ({lid})"
        found[key] = props
    return found


def authorizer(config: Synthesized) -> str:
    return config.only("AWS::ApiGateway::Authorizer")


def origins(config: Synthesized) -> list[str]:
    variables = config.props(config.function("verify-api"))["Environment"]["Variables"]
    return render(variables["CORS_ALLOW_ORIGINS"]).split(",")


def test_the_responders_page_may_call_its_api_from_the_panels_origins(config: Synthesized) -> None:
    variables = config.props(config.function("agency-api"))["Environment"]["Variables"]
    assert render(variables["CORS_ALLOW_ORIGINS"]).split(",") == origins(config)


def cloudfront_origin(config: Synthesized) -> str:
    return "https://" + render(get_att(config.only("AWS::CloudFront::Distribution"), "DomainName"))


def test_the_routes_are_read_from_the_openapi_document() -> None:
    assert ("GET", "/openapi.json") in {(r.method, r.path) for r in ROUTES}
    assert any(r.secured for r in ROUTES)
    assert len(ROUTES) >= 10


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_exists_with_its_integration_and_authorizer(config: Synthesized, route: Any) -> None:
    method = methods(config).get((route.method, route.path))
    assert method is not None, f"{route.method} {route.path} missing"
    integration = method["Integration"]
    assert integration["Type"] == "AWS_PROXY"
    assert render(get_att(config.function(route.function), "Arn")) in render(integration["Uri"])
    if route.secured:
        assert method["AuthorizationType"] == "COGNITO_USER_POOLS"
        assert method["AuthorizerId"] == ref(authorizer(config))
    else:
        assert method["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in method


def test_only_the_documented_routes_and_preflights_exist(config: Synthesized) -> None:
    declared = {(r.method, r.path) for r in ROUTES}
    found = methods(config)
    assert {key for key in found if key[0] != "OPTIONS"} == declared
    # every resource answers the CORS preflight, without authorization
    for path in set(resource_paths(config).values()):
        preflight = found.get(("OPTIONS", path))
        assert preflight is not None, f"no OPTIONS on {path}"
        assert preflight["AuthorizationType"] == "NONE"
        assert preflight["Integration"]["Type"] == "MOCK"


def test_openapi_document_is_public(config: Synthesized) -> None:
    method = methods(config)[("GET", "/openapi.json")]
    assert method["AuthorizationType"] == "NONE"


def test_authorizer_trusts_the_operators_user_pool(config: Synthesized) -> None:
    props = config.props(authorizer(config))
    assert props["Type"] == "COGNITO_USER_POOLS"
    assert props["ProviderARNs"] == [get_att(config.only("AWS::Cognito::UserPool"), "Arn")]
    assert props["IdentitySource"] == "method.request.header.Authorization"


def test_stage_is_throttled_logged_and_traced(config: Synthesized) -> None:
    props = config.props(config.only("AWS::ApiGateway::Stage"))
    assert props["StageName"] == config.stage
    assert props["TracingEnabled"] is True
    settings = props["MethodSettings"]
    assert settings, "no method settings"
    everything = [s for s in settings if (s["ResourcePath"], s["HttpMethod"]) == ("/*", "*")]
    assert len(everything) == 1, settings
    assert everything[0].get("ThrottlingRateLimit") == API_THROTTLE_RATE
    assert everything[0].get("ThrottlingBurstLimit") == API_THROTTLE_BURST
    assert all(s.get("DataTraceEnabled") is False for s in settings), settings
    access_logs = config.named("AWS::Logs::LogGroup", "LogGroupName", f"/aws/apigateway/{config.prefix}-api")
    destination = render(props["AccessLogSetting"]["DestinationArn"])
    assert destination.endswith(f":log-group:${{{access_logs}}}"), destination
    assert "$context.requestId" in props["AccessLogSetting"]["Format"]


# Written out: the public routes (no Cognito) and what each is throttled to, per method; everything else is
# an operators' route on the stage's default.
PUBLIC_ROUTES = {
    ("GET", "/openapi.json"),
    ("GET", "/intake/openapi.json"),
    ("POST", "/reports"),
    ("GET", "/webhooks/instagram"),
    ("POST", "/webhooks/instagram"),
    ("GET", "/webhooks/twitter"),
    ("POST", "/webhooks/twitter"),
    ("POST", "/aml"),
    # responders, without an account: a signed link, a signed status (agency-api)
    ("GET", "/agency/openapi.json"),
    ("GET", "/respond/{token}"),
    ("POST", "/respond/{token}"),
    ("POST", "/agency/status"),
}
PUBLIC_RATE, PUBLIC_BURST = 10, 20


def test_the_public_routes_are_the_documented_ones() -> None:
    assert {(r.method, r.path) for r in ROUTES if not r.secured} == PUBLIC_ROUTES


def test_public_routes_are_throttled_apart_from_the_operators(config: Synthesized) -> None:
    settings = config.props(config.only("AWS::ApiGateway::Stage"))["MethodSettings"]
    per_method = {
        # API Gateway's encoding of a resource path: "/" then the path with each "/" as "~1"
        (s["HttpMethod"], s["ResourcePath"][1:].replace("~1", "/")): s
        for s in settings
        if s["ResourcePath"] != "/*"
    }
    assert set(per_method) == PUBLIC_ROUTES
    for route, setting in per_method.items():
        assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (
            PUBLIC_RATE,
            PUBLIC_BURST,
        ), route
        # a method's own settings replace the stage's entirely: logging stays as for every method
        assert setting["LoggingLevel"] == "ERROR", route
        assert setting["MetricsEnabled"] is True, route
    assert PUBLIC_RATE < API_THROTTLE_RATE
    assert PUBLIC_BURST < API_THROTTLE_BURST


def acknowledged_reasons(config: Synthesized, method: str, path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for construct in config.app.node.find_all():
        node_path = construct.node.path
        if not node_path.endswith(f"/{method}") or "/RestApi/Default/" not in node_path:
            continue
        if node_path.split("/RestApi/Default", 1)[1].removesuffix(f"/{method}") != path:
            continue
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                found.update(entry.data)
    return found


@pytest.mark.parametrize(
    ("method", "path", "guard"),
    [
        ("POST", "/reports", "rate"),
        ("POST", "/webhooks/instagram", "X-Hub-Signature-256"),
        ("GET", "/webhooks/instagram", "verify token"),
        ("POST", "/webhooks/twitter", "x-twitter-webhooks-signature"),
        ("POST", "/aml", "AML token"),
        ("GET", "/openapi.json", "holds no data"),
    ],
)
def test_public_routes_say_what_guards_them_instead(
    dev: Synthesized, method: str, path: str, guard: str
) -> None:
    reasons = acknowledged_reasons(dev, method, path)
    assert set(reasons) == {"AwsSolutions::AwsSolutions-APIG4", "AwsSolutions::AwsSolutions-COG4"}
    for reason in reasons.values():
        assert guard in reason, reason
        if path not in ("/openapi.json", "/intake/openapi.json"):
            assert "holds no data" not in reason, reason  # they take citizens' reports
            assert "WAF" in reason, reason


def test_web_acl_guards_the_stage(config: Synthesized) -> None:
    acl = config.only("AWS::WAFv2::WebACL")
    assert config.props(acl)["Scope"] == "REGIONAL"
    rules = {rule["Name"] for rule in config.props(acl)["Rules"]}
    assert {"PublicPerAddress", "OperatorsPerToken", "AWSManagedRulesCommonRuleSet"} <= rules
    association = config.props(config.only("AWS::WAFv2::WebACLAssociation"))
    assert association["WebACLArn"] == get_att(acl, "Arn")
    rest_api = config.only("AWS::ApiGateway::RestApi")
    stage = config.only("AWS::ApiGateway::Stage")
    assert render(association["ResourceArn"]).endswith(f"/restapis/${{{rest_api}}}/stages/${{{stage}}}")


@pytest.mark.parametrize("response_type", ["DEFAULT_4XX", "DEFAULT_5XX"])
def test_gateway_errors_carry_cors_headers(config: Synthesized, response_type: str) -> None:
    (response,) = [
        r["Properties"]
        for r in config.of_type("AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["ResponseType"] == response_type
    ]
    allow_origin = render(
        response["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
    )
    assert allow_origin == f"'{origins(config)[0]}'"


def test_cors_origins_in_dev_are_the_panel_and_localhost(dev: Synthesized) -> None:
    allowed = origins(dev)
    assert allowed[0] == cloudfront_origin(dev)
    assert "http://localhost:8112" in allowed


def test_cors_origins_in_prod_are_the_panel_only(prod: Synthesized) -> None:
    assert origins(prod) == [cloudfront_origin(prod)]


def test_cors_origins_with_a_custom_domain_put_it_first(full: Synthesized) -> None:
    assert origins(full) == [f"https://{PANEL_DOMAIN}", cloudfront_origin(full)]

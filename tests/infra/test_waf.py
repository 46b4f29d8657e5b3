"""The API's web ACL never locks out the call centre, and one address cannot crowd it out: the per-address
rule counts the public routes and never an operator's request, the operators' own rule counts per token,
a token that cannot be one is answered 401 before API Gateway, and a ceiling per address over whatever
those let through stops forged tokens; nine panels plus a supervisor's behind one public address, and
twice that in a surge, stay below every limit that applies to them (docs/decisions.md 31).

The rules are read from the synthesized template and evaluated with a model of WAF (tests/infra/waf.py);
the panel's traffic is modelled on its own code (tests/panel_traffic.py)."""

from __future__ import annotations

import base64
import json
from collections import Counter
from itertools import chain, zip_longest
from typing import Any

import pytest

from infra.constants import (
    API_THROTTLE_BURST,
    API_THROTTLE_RATE,
    CORS_PREFLIGHT_MAX_AGE_SECONDS,
    WAF_ADDRESS_LIMIT_PER_5_MIN,
    WAF_MAX_AUTHORIZATION_BYTES,
    WAF_OPERATOR_RATE_LIMIT_PER_5_MIN,
    WAF_RATE_LIMIT_PER_5_MIN,
)
from infra.definitions import OPERATOR_GROUPS, api_routes
from tests.infra.helpers import Synthesized, render
from tests.infra.waf import Request, aggregation_key, counts, matches, rate_rules, verdicts
from tests.panel_traffic import LIST_STATUSES, busiest_panel

PUBLIC = "PublicPerAddress"
OPERATORS = "OperatorsPerToken"
SHAPE = "OperatorsTokenShape"
ALL = "AllPerAddress"
OFFICE = "198.51.100.7"  # the call centre's one public address
ATTACKER = "192.0.2.66"
WINDOW_S = 300
PANELS = 10  # nine operators and a supervisor
SURGE_PANELS = 20  # a disaster: twice the shift, every panel at its busiest
ULID = "01J9Z8Y7X6W5V4T3S2R1Q0P9N8"


def acl(config: Synthesized) -> dict[str, Any]:
    return config.props(config.only("AWS::WAFv2::WebACL"))


def rules(config: Synthesized) -> dict[str, Any]:
    found = rate_rules(acl(config))
    # every count below is over WAF's default 5-minute window, which these limits are written for
    assert all(r["Statement"]["RateBasedStatement"].get("EvaluationWindowSec", WINDOW_S) == WINDOW_S
               for r in found.values())  # fmt: skip
    return found


def shape_rule(config: Synthesized) -> dict[str, Any]:
    rule: dict[str, Any]
    (rule,) = [r for r in acl(config)["Rules"] if r["Name"] == SHAPE]
    return rule


def concrete(path: str) -> str:
    return path.replace("{incident_id}", ULID).replace("{agency}", "DAMKAR")


def token(n: int) -> dict[str, str]:
    return {"Authorization": f"Bearer eyJraWQ.panel-{n}.sig"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def id_token(name: str = "Ni Luh Putu Ayu Sekar Arum", email: str = "sekar.arum@banyuwangikab.go.id") -> str:
    """An IdToken as Cognito issues one to this pool (the claims it carries, an RS256 signature)."""
    pool = "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_Ab3De6Gh9"
    uuid = "6a1f0c3e-2b7d-4e58-9c1a-3f5e7d9b0a24"
    claims = {
        "sub": uuid, "cognito:groups": [g.name for g in OPERATOR_GROUPS], "email_verified": True,
        "iss": pool, "cognito:username": "sekar.arum", "origin_jti": uuid,
        "aud": "4k1v9q2m7c3x8z5b6n0p1r2t3y", "event_id": uuid, "token_use": "id", "auth_time": 1767225600,
        "name": name, "exp": 1767229200, "iat": 1767225600, "jti": uuid, "email": email,
    }  # fmt: skip
    header = {"kid": b64url(bytes(range(32))) + "=", "alg": "RS256"}
    return f"{segment(header)}.{segment(claims)}.{b64url(bytes(range(256)))}"


def forged(n: int) -> str:
    """A made-up token in a JWT's shape, new for every request."""
    header, claims = segment({"alg": "RS256", "kid": str(n)}), segment({"sub": str(n)})
    return f"Bearer {header}.{claims}.{b64url(str(n).encode())}"


def stage_path(config: Synthesized, path: str) -> str:
    """The path WAF sees for an API path: behind the stage's name on the execute-api host."""
    return f"/{config.stage}{path}"


def mixed(*streams: list[Request]) -> list[Request]:
    """Several clients' requests within one window, taking turns."""
    return [r for r in chain.from_iterable(zip_longest(*streams)) if r is not None]


def test_the_rate_rules_block_at_their_limits(config: Synthesized) -> None:
    found = rules(config)

    assert set(found) == {PUBLIC, OPERATORS, ALL}
    for name, limit in (
        (PUBLIC, WAF_RATE_LIMIT_PER_5_MIN),
        (OPERATORS, WAF_OPERATOR_RATE_LIMIT_PER_5_MIN),
        (ALL, WAF_ADDRESS_LIMIT_PER_5_MIN),
    ):
        assert found[name]["Action"] == {"Block": {}}
        assert found[name]["Statement"]["RateBasedStatement"]["Limit"] == limit
    for name in (PUBLIC, ALL):
        assert found[name]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    # the ceiling counts everything that reaches it, whatever the route or the token
    assert "ScopeDownStatement" not in found[ALL]["Statement"]["RateBasedStatement"]


def test_the_ceiling_comes_after_the_rules_that_block_a_narrower_key(config: Synthesized) -> None:
    """What a narrower rule has blocked (one runaway token, junk for a token) never reaches the ceiling, so
    it cannot carry the whole call centre's address over it."""
    order = [rule["Name"] for rule in sorted(acl(config)["Rules"], key=lambda r: int(r["Priority"]))]

    assert order[:4] == [PUBLIC, OPERATORS, SHAPE, ALL]


@pytest.mark.parametrize(
    "route", [r for r in api_routes() if not r.secured], ids=lambda r: f"{r.method} {r.path}"
)
@pytest.mark.parametrize("with_stage", [True, False], ids=["execute-api", "custom-domain"])
def test_the_public_rule_counts_every_public_route(config: Synthesized, route: Any, with_stage: bool) -> None:
    public = rules(config)[PUBLIC]
    path = stage_path(config, route.path) if with_stage else route.path

    for headers in ({}, {"Authorization": "Bearer aml-shared-token"}):  # /aml takes a Bearer token too
        assert aggregation_key(public, Request(route.method, path, headers=headers)) == (Request.ip,)


@pytest.mark.parametrize(
    "path",
    [
        "/reports/", "/Reports", "//reports", "/./reports", "/%72eports", "/reports%2F", "/x/../reports",
        # an operator's path on the way in, a public one once resolved: WAF decodes and normalizes first
        "/incidents/../reports", "/incidents/%2e%2e/reports", "/incidents/x/../../aml",
        "/me/../webhooks/twitter",
        # not routes at all: counted too, nothing is exempt unless it is exactly an operator's route
        "/incidents/", "/Incidents", "/incidents/a/b/c/d/e", "/incidents%2F..%2F..%2Freports", "/",
        "/wp-login.php",
    ],
)  # fmt: skip
def test_the_public_rule_counts_what_only_resembles_an_operator_route(config: Synthesized, path: str) -> None:
    public = rules(config)[PUBLIC]

    for candidate in (path, stage_path(config, path)):
        request = Request("POST", candidate, headers=token(1))
        assert aggregation_key(public, request) == (Request.ip,), candidate


@pytest.mark.parametrize(
    "route", [r for r in api_routes() if r.secured], ids=lambda r: f"{r.method} {r.path}"
)
def test_an_operators_request_is_counted_per_token_and_never_per_address(
    config: Synthesized, route: Any
) -> None:
    found = rules(config)
    request = Request(route.method, stage_path(config, concrete(route.path)), OFFICE, token(3))

    assert aggregation_key(found[PUBLIC], request) is None
    assert aggregation_key(found[OPERATORS], request) == (token(3)["Authorization"],)
    # without a token the authorizer refuses it, and the per-address rule counts it like any public request
    bare = Request(route.method, request.path, OFFICE)
    assert aggregation_key(found[PUBLIC], bare) == (OFFICE,)
    assert aggregation_key(found[OPERATORS], bare) is None


def office(config: Synthesized, panels: int = PANELS) -> list[Request]:
    """Five minutes of the call centre at its busiest: every panel on its busiest tab with an incident open,
    acting every 10 s, all behind one address; each panel asks one CORS preflight per URL it uses."""
    streams: list[list[Request]] = []
    stage = stage_path(config, "")
    for panel in range(panels):
        sent = busiest_panel(WINDOW_S, incident=f"01J9Z8Y7X6W5V4T3S2R1Q0P{panel:03d}")
        # Access-Control-Max-Age outlives the window: one preflight per URL and method (a list URL per status)
        urls = {(r.method, r.path) for r in sent} | {("GET", f"/incidents?status={s}") for s in LIST_STATUSES}
        streams.append(
            [Request("OPTIONS", stage + path.split("?")[0], OFFICE) for _, path in sorted(urls)]
            + [Request(r.method, stage + r.path, OFFICE, token(panel)) for r in sent]
        )
    return mixed(*streams)


@pytest.mark.parametrize("panels", [PANELS, SURGE_PANELS], ids=["shift", "surge"])
def test_the_call_centre_behind_one_address_stays_below_every_rule(config: Synthesized, panels: int) -> None:
    traffic = office(config, panels)

    for name, rule in rules(config).items():
        counted: Counter[tuple[str, ...]] = counts(rule, traffic)
        limit = rule["Statement"]["RateBasedStatement"]["Limit"]
        busiest = max(counted.values(), default=0)
        assert busiest < limit, (
            f"{name} would block the call centre: {busiest} requests in 5 minutes ≥ {limit}"
        )
    assert verdicts(acl(config), traffic) == [None] * len(traffic)
    # the public rule sees only the preflights; the operators' rule sees one panel's requests per key
    preflights = sum(r.method == "OPTIONS" for r in traffic)
    assert counts(rules(config)[PUBLIC], traffic) == Counter({(OFFICE,): preflights})
    assert len(counts(rules(config)[OPERATORS], traffic)) == panels


def test_the_ceiling_leaves_the_call_centre_room(config: Synthesized) -> None:
    """decisions 31: the busiest shift takes under a third of the ceiling, a surge under two thirds."""
    ceiling = rules(config)[ALL]
    shift = counts(ceiling, office(config, PANELS))[(OFFICE,)]
    surge = counts(ceiling, office(config, SURGE_PANELS))[(OFFICE,)]

    assert 3 * shift < WAF_ADDRESS_LIMIT_PER_5_MIN
    assert 3 * surge < 2 * WAF_ADDRESS_LIMIT_PER_5_MIN


def test_the_stage_throttling_takes_the_call_centre_and_one_address_at_the_ceiling() -> None:
    """API Gateway's per-method limit is shared by everyone on that method, forged tokens included. The
    office in a surge (counted as if all its requests fell on one method) plus the most one other address
    can send without WAF blocking it stay below it, so a single address cannot throttle the operators;
    a tick where every poll of every panel falls at once fits in the burst."""
    per_panel = len(busiest_panel(WINDOW_S)) / WINDOW_S  # polls and actions, about 3.1 a second
    one_address = WAF_ADDRESS_LIMIT_PER_5_MIN / WINDOW_S

    assert SURGE_PANELS * per_panel + one_address < API_THROTTLE_RATE
    assert SURGE_PANELS * (len(LIST_STATUSES) + 1) < API_THROTTLE_BURST


def test_a_flood_from_one_address_on_the_public_routes_is_blocked(config: Synthesized) -> None:
    public = rules(config)[PUBLIC]
    reports = stage_path(config, "/reports")
    flood = [Request("POST", reports, ATTACKER) for _ in range(WAF_RATE_LIMIT_PER_5_MIN + 1)]

    assert counts(public, flood)[(ATTACKER,)] > WAF_RATE_LIMIT_PER_5_MIN


def test_a_forged_token_flood_from_one_address_is_blocked_and_the_office_is_not(config: Synthesized) -> None:
    found = rules(config)
    incidents = stage_path(config, "/incidents")
    flood = [
        Request("GET", incidents, ATTACKER, {"Authorization": forged(n)})
        for n in range(WAF_ADDRESS_LIMIT_PER_5_MIN + 1000)
    ]
    # what the first two rules alone let through: it is not public, and every token is a new key
    assert counts(found[PUBLIC], flood) == Counter()
    assert max(counts(found[OPERATORS], flood).values()) == 1
    assert not any(matches(shape_rule(config)["Statement"], request) for request in flood)

    traffic = mixed(flood, office(config, SURGE_PANELS))
    verdict = verdicts(acl(config), traffic)

    assert {v for r, v in zip(traffic, verdict, strict=True) if r.ip == OFFICE} == {None}
    attacker = [v for r, v in zip(traffic, verdict, strict=True) if r.ip == ATTACKER]
    assert attacker.count(None) == WAF_ADDRESS_LIMIT_PER_5_MIN
    assert set(attacker) == {None, ALL}


def test_a_runaway_panel_is_blocked_alone_however_long_it_runs(config: Synthesized) -> None:
    """Even far beyond the ceiling: once its token is over its own limit its requests stop at
    OperatorsPerToken, and so never count against the address its colleagues share."""
    runaway = [Request("GET", stage_path(config, "/incidents"), OFFICE, token(99))] * (
        2 * WAF_ADDRESS_LIMIT_PER_5_MIN
    )
    traffic = mixed(runaway, office(config, SURGE_PANELS))
    verdict = verdicts(acl(config), traffic)

    theirs = [
        v
        for r, v in zip(traffic, verdict, strict=True)
        if r.header("Authorization") == token(99)["Authorization"]
    ]
    others = [
        v
        for r, v in zip(traffic, verdict, strict=True)
        if r.header("Authorization") != token(99)["Authorization"]
    ]
    assert theirs.count(None) == WAF_OPERATOR_RATE_LIMIT_PER_5_MIN
    assert set(theirs) == {None, OPERATORS}
    assert set(others) == {None}


JUNK = [
    "Bearer null", "Bearer undefined", "Bearer", "null", "Basic c2VrYXI6cmFoYXNpYQ==", "Bearer a.b",
    "Bearer a.b.c.d", "Bearer a..c", "Bearer a.b.c=", "Bearer a.b.c d", "Bearer a.b.c,Bearer d.e.f",
    "Bearer a+b.c/d.e", "Bearer {}.{}.{}", "Bearer\ta.b.c", "Bearer ' OR 1=1--",
]  # fmt: skip


@pytest.mark.parametrize("junk", JUNK)
def test_what_cannot_be_a_token_is_answered_401_by_waf(config: Synthesized, junk: str) -> None:
    for route in (r for r in api_routes() if r.secured):
        path = concrete(route.path)
        for candidate in (stage_path(config, path), path):
            request = Request(route.method, candidate, ATTACKER, {"Authorization": junk})
            assert verdicts(acl(config), [request]) == [SHAPE], candidate


def test_a_token_bigger_than_any_of_ours_is_answered_401_by_waf(config: Synthesized) -> None:
    def request(size: int) -> Request:
        # a JWS shape of exactly `size` bytes, the scheme included
        padding = "A" * (size - len("Bearer a.b."))
        return Request(
            "GET", stage_path(config, "/incidents"), ATTACKER, {"Authorization": f"Bearer a.b.{padding}"}
        )

    assert verdicts(acl(config), [request(WAF_MAX_AUTHORIZATION_BYTES)]) == [None]
    assert verdicts(acl(config), [request(WAF_MAX_AUTHORIZATION_BYTES + 1)]) == [SHAPE]


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {id_token()}",
        id_token(),
        f"bearer {id_token()}",
        f"BEARER {id_token()}",
        # the longest name Cognito keeps (2,048 characters) and the longest e-mail address
        f"Bearer {id_token(name='A' * 2048, email='a' * 64 + '@' + 'b' * 185 + '.go.id')}",
    ],
    ids=["bearer", "bare", "lowercase", "uppercase", "longest"],
)
def test_a_token_of_ours_is_left_to_the_authorizer(config: Synthesized, authorization: str) -> None:
    for route in (r for r in api_routes() if r.secured):
        request = Request(
            route.method, stage_path(config, concrete(route.path)), OFFICE, {"Authorization": authorization}
        )
        assert not matches(shape_rule(config)["Statement"], request)
    assert len(authorization.encode()) <= WAF_MAX_AUTHORIZATION_BYTES


def test_an_ordinary_token_is_far_below_the_size_bound() -> None:
    """Room for claims the pool may add (more groups, attributes) before the bound needs raising."""
    assert 6 * len(f"Bearer {id_token()}".encode()) < WAF_MAX_AUTHORIZATION_BYTES


def test_the_shape_rule_leaves_preflights_public_routes_and_missing_tokens_alone(config: Synthesized) -> None:
    statement = shape_rule(config)["Statement"]
    incidents = stage_path(config, "/incidents")

    # a preflight never carries the token; without one the authorizer answers 401 itself (with CORS) and
    # the per-address rule counts it
    assert not matches(statement, Request("OPTIONS", incidents))
    assert not matches(statement, Request("GET", incidents))
    # /aml takes its own shared secret as a Bearer token; public routes are not the authorizer's
    for route in (r for r in api_routes() if not r.secured):
        request = Request(
            route.method, stage_path(config, route.path), headers={"Authorization": "Bearer null"}
        )
        assert not matches(statement, request)


def test_waf_answers_a_junk_token_as_the_authorizer_would(config: Synthesized) -> None:
    """The same status, body and CORS headers as API Gateway's 401, so the panel asks its operator to sign
    in again instead of reporting a network failure."""
    response = shape_rule(config)["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 401
    assert acl(config)["CustomResponseBodies"][response["CustomResponseBodyKey"]] == {
        "ContentType": "APPLICATION_JSON",
        "Content": '{"message":"Unauthorized"}',
    }
    (gateway,) = [
        g["Properties"]
        for g in config.of_type("AWS::ApiGateway::GatewayResponse").values()
        if g["Properties"]["ResponseType"] == "DEFAULT_4XX"
    ]
    expected = {
        name.removeprefix("gatewayresponse.header."): render(value).strip("'")
        for name, value in gateway["ResponseParameters"].items()
    }
    assert {h["Name"]: render(h["Value"]) for h in response["ResponseHeaders"]} == expected


def test_browsers_keep_each_preflight_for_longer_than_the_slowest_poll(config: Synthesized) -> None:
    preflights = [
        m["Properties"]
        for m in config.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "OPTIONS"
    ]
    assert preflights
    for method in preflights:
        (response,) = method["Integration"]["IntegrationResponses"]
        assert response["ResponseParameters"]["method.response.header.Access-Control-Max-Age"] == (
            f"'{CORS_PREFLIGHT_MAX_AGE_SECONDS}'"
        )
    assert CORS_PREFLIGHT_MAX_AGE_SECONDS > 15  # the slowest list poll (15 s) reuses its preflight

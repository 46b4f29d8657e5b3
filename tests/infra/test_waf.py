"""The API's rate limits never lock out the call centre: the per-address rule counts the public routes and
never an operator's request, the operators' own rule counts per token, and nine panels plus a supervisor's
behind one public address stay below every limit that applies to them (docs/decisions.md 31).

The rules are read from the synthesized template and evaluated with a model of WAF (tests/infra/waf.py);
the panel's traffic is modelled on its own code (tests/panel_traffic.py)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from infra.constants import (
    API_THROTTLE_BURST,
    API_THROTTLE_RATE,
    CORS_PREFLIGHT_MAX_AGE_SECONDS,
    WAF_OPERATOR_RATE_LIMIT_PER_5_MIN,
    WAF_RATE_LIMIT_PER_5_MIN,
)
from infra.definitions import api_routes
from tests.infra.helpers import Synthesized
from tests.infra.waf import Request, aggregation_key, counts, rate_rules
from tests.panel_traffic import BUSIEST_RATE, LIST_STATUSES, busiest_panel

PUBLIC = "PublicPerAddress"
OPERATORS = "OperatorsPerToken"
OFFICE = "198.51.100.7"  # the call centre's one public address
WINDOW_S = 300
PANELS = 10  # nine operators and a supervisor
ULID = "01J9Z8Y7X6W5V4T3S2R1Q0P9N8"


def rules(config: Synthesized) -> dict[str, Any]:
    found = rate_rules(config.props(config.only("AWS::WAFv2::WebACL")))
    # every count below is over WAF's default 5-minute window, which these limits are written for
    assert all(r["Statement"]["RateBasedStatement"].get("EvaluationWindowSec", WINDOW_S) == WINDOW_S
               for r in found.values())  # fmt: skip
    return found


def concrete(path: str) -> str:
    return path.replace("{incident_id}", ULID).replace("{agency}", "DAMKAR")


def token(n: int) -> dict[str, str]:
    return {"Authorization": f"Bearer eyJraWQ.panel-{n}.sig"}


def stage_path(config: Synthesized, path: str) -> str:
    """The path WAF sees for an API path: behind the stage's name on the execute-api host."""
    return f"/{config.stage}{path}"


def test_both_rate_rules_block_at_their_limits(config: Synthesized) -> None:
    found = rules(config)

    assert set(found) == {PUBLIC, OPERATORS}
    for name, limit in ((PUBLIC, WAF_RATE_LIMIT_PER_5_MIN), (OPERATORS, WAF_OPERATOR_RATE_LIMIT_PER_5_MIN)):
        assert found[name]["Action"] == {"Block": {}}
        assert found[name]["Statement"]["RateBasedStatement"]["Limit"] == limit
    assert found[PUBLIC]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"


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


def office(config: Synthesized) -> list[Request]:
    """Five minutes of the call centre at its busiest: every panel on its busiest tab with an incident open,
    acting every 10 s, all behind one address; each panel asks one CORS preflight per URL it uses."""
    requests: list[Request] = []
    for panel in range(PANELS):
        sent = busiest_panel(WINDOW_S, incident=f"01J9Z8Y7X6W5V4T3S2R1Q0P{panel:03d}")
        requests += [Request(r.method, stage_path(config, r.path), OFFICE, token(panel)) for r in sent]
        # Access-Control-Max-Age outlives the window: one preflight per URL and method (a list URL per status)
        urls = {(r.method, r.path) for r in sent} | {("GET", f"/incidents?status={s}") for s in LIST_STATUSES}
        requests += [Request("OPTIONS", stage_path(config, path.split("?")[0]), OFFICE) for _, path in urls]
    return requests


def test_nine_panels_and_a_supervisor_behind_one_address_stay_below_every_rate_rule(
    config: Synthesized,
) -> None:
    traffic = office(config)

    for name, rule in rules(config).items():
        counted: Counter[tuple[str, ...]] = counts(rule, traffic)
        limit = rule["Statement"]["RateBasedStatement"]["Limit"]
        busiest = max(counted.values(), default=0)
        assert busiest < limit, (
            f"{name} would block the call centre: {busiest} requests in 5 minutes ≥ {limit}"
        )
    # the public rule sees only the preflights; the operators' rule sees one panel's requests per key
    assert max(counts(rules(config)[PUBLIC], traffic).values()) < 100
    assert len(counts(rules(config)[OPERATORS], traffic)) == PANELS


def test_the_stage_throttling_takes_the_whole_call_centre() -> None:
    """API Gateway's stage limit is shared by everyone (and per method): the office at its busiest, actions
    included, stays below it, and a tick where every poll of every panel falls at once fits in the burst."""
    actions_per_s = 7 / 10  # tests/panel_traffic.py: a POST and its refreshes every 10 s
    assert PANELS * (BUSIEST_RATE + actions_per_s) < API_THROTTLE_RATE
    assert PANELS * (len(LIST_STATUSES) + 1) < API_THROTTLE_BURST


def test_a_flood_from_one_address_on_the_public_routes_is_blocked(config: Synthesized) -> None:
    public = rules(config)[PUBLIC]
    flood = [
        Request("POST", stage_path(config, "/reports"), "192.0.2.66")
        for _ in range(WAF_RATE_LIMIT_PER_5_MIN + 1)
    ]

    assert counts(public, flood)[("192.0.2.66",)] > WAF_RATE_LIMIT_PER_5_MIN


def test_a_runaway_client_with_one_token_is_blocked_alone(config: Synthesized) -> None:
    found = rules(config)
    runaway = [Request("GET", stage_path(config, "/incidents"), OFFICE, token(99))] * (
        WAF_OPERATOR_RATE_LIMIT_PER_5_MIN + 1
    )
    counted = counts(found[OPERATORS], runaway + office(config))

    assert counted[(token(99)["Authorization"],)] > WAF_OPERATOR_RATE_LIMIT_PER_5_MIN
    assert all(
        n < WAF_OPERATOR_RATE_LIMIT_PER_5_MIN
        for key, n in counted.items()
        if key != (token(99)["Authorization"],)
    )


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

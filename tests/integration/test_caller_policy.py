"""The prank policy's thresholds come from configuration: a stack served with `--caller-policy` (the
`callerPolicy` context value when deploying) warns after the configured number of pranks, and the panel's
configuration says the history it spans."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.aws import client
from local.simulator import ApiClient, place_call
from tests.integration.helpers import SERVE_ARGS, running_stack

POLICY = {"warnAfter": 1, "historyDays": 40, "retentionDays": 120}


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state_dir: Path = tmp_path_factory.mktemp("policy-stack")
    with running_stack(state_dir, *SERVE_ARGS, "--caller-policy", json.dumps(POLICY)) as endpoints:
        yield endpoints


def test_one_prank_warns_the_next_call_when_the_policy_says_so(endpoints: dict[str, Any]) -> None:
    operator = ApiClient(endpoints, "operator1")
    caller = "+6281377770001"
    first = place_call(endpoints, caller)
    assert first["callerStanding"] == "NORMAL"
    assert operator.post(f"/incidents/{first['incidentId']}/claim").status_code == 200
    assert operator.post(f"/incidents/{first['incidentId']}/reject", {"reason": "PRANK"}).status_code == 200

    second = place_call(endpoints, caller)

    # the regency's default policy warns after three; this deployment's after one
    assert (second["callerStanding"], second["recentPranks"]) == ("WARNED", "1")
    history = operator.get("/callers/%2B6281377770001").json()
    assert (history["standing"]["standing"], history["historyDays"]) == ("WARNED", 40)


def test_the_panel_and_the_retention_sweep_read_the_same_policy(endpoints: dict[str, Any]) -> None:
    config = requests.get(endpoints["api"] + "/config.json", timeout=10).json()
    assert config["callers"] == {"historyDays": 40}
    response = client("lambda", endpoints["lambda"], endpoints["region"]).invoke(
        FunctionName="privacy-retention", Payload=b"{}"
    )
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read())["retentionDays"] == 120

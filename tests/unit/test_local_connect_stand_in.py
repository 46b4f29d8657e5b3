"""local/standins.py's Amazon Connect: the adapter intake-calls uses (core/agents.py, boto3's connect client)
resolves the local operators' agents through it exactly as it would through Connect."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import boto3
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from core.agents import ConnectAgents
from local.config import CONNECT_INSTANCE_ARN, CREDENTIALS, free_port
from local.standins import CONNECT_STAND_IN, ConnectStandIn, agent_arn, agent_id


@pytest.fixture
def agents() -> Iterator[ConnectAgents]:
    stand_in = ConnectStandIn(["operator1", "supervisor"])

    def app(environ: dict[str, object], start_response: object) -> object:
        response = stand_in.serve(Request(environ)) or Response("not the stand-in", status=418)
        return response(environ, start_response)  # type: ignore[arg-type]

    port = free_port()
    server = make_server("127.0.0.1", port, app)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = boto3.client(
        "connect",
        endpoint_url=f"http://127.0.0.1:{port}{CONNECT_STAND_IN}",
        region_name="ap-southeast-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    yield ConnectAgents(CONNECT_INSTANCE_ARN, client)
    server.shutdown()
    thread.join()


def test_a_local_operators_agent_is_that_operator(agents: ConnectAgents) -> None:
    assert agents.username(agent_arn("operator1")) == "operator1"
    assert agents.username(agent_arn("supervisor")) == "supervisor"


def test_an_agent_nobody_has_is_not_found(agents: ConnectAgents) -> None:
    assert agents.username(agent_arn("operator7")) is None  # not among this stand-in's users


def test_agent_ids_are_uuids_and_the_same_on_every_run() -> None:
    assert agent_id("operator1") == "14c2e23e-14be-5070-9208-9fe232d2d9ca"  # the samples' agent
    assert agent_arn("operator1").startswith(f"{CONNECT_INSTANCE_ARN}/agent/")


def test_other_paths_are_not_the_stand_ins() -> None:
    stand_in = ConnectStandIn(["operator1"])
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/incidents",
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "x",
        "SERVER_PORT": "1",
    }
    assert stand_in.serve(Request(environ)) is None

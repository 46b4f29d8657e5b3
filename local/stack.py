"""Start and stop the whole local stack: embedded AWS, resources, functions, gateway, event sources."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from infra.definitions import (
    ACK_DEADLINES_ENV,
    CALLER_LOOKUP_TIMEOUT_ENV,
    CALLER_POLICY_ENV,
    FUNCTIONS,
    FUNCTIONS_DIR,
    PUBLIC_API_ENV,
    RESPONDER_PAGE_ENV,
    FunctionDesign,
    panel_config,
)
from local.auth import CognitoAuthorizer
from local.aws import EmbeddedAws, Provisioned, client, provision
from local.config import (
    CREDENTIALS,
    OPERATORS,
    REGENCY,
    REGION,
    STAGE,
    SUPERVISOR,
    Ports,
    endpoints_path,
    function_arn,
)
from local.gateway import LambdaApi, RestApi
from local.moto_memory import forget_read_stream_records, stop_tracking_dynamodb_objects
from local.panel import PanelFiles
from local.runtime import Invocation, Runtime
from local.sources import QueuePoller, Schedule, StreamPoller
from local.standins import (
    CONNECT_STAND_IN,
    GRAPH_STAND_IN,
    X_STAND_IN,
    AgencyOutbox,
    ConnectStandIn,
    GraphApiStandIn,
)

# The embedded DynamoDB answers one request at a time, and a query reads its whole index (decision 30): the
# intake waits longer for a caller's history here than the 300 ms it waits in AWS, or a busy machine would
# make every standing NORMAL.
LOCAL_LOOKUP_TIMEOUT_MS = 1500

# Each request and invocation gets one line of ours; the servers' own access logs would double them.
logging.getLogger("werkzeug").setLevel(logging.ERROR)


def _log(line: str) -> None:
    print(f"{datetime.now():%H:%M:%S} {line}", flush=True)


def _invocation_line(invocation: Invocation) -> None:
    cold = f" (cold start {invocation.init_ms:.0f} ms)" if invocation.init_ms is not None else ""
    outcome = "OK" if invocation.ok else f"ERROR {invocation.result().get('errorType', '')}"
    _log(f"λ      {invocation.function} {invocation.duration_ms:.0f} ms {outcome}{cold}")


@dataclass
class _Server:
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"


def _serve(app: Any, host: str, port: int, name: str) -> _Server:
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return _Server(server, thread)


class LocalStack:
    def __init__(
        self,
        state_dir: Path,
        ports: Ports,
        host: str = "127.0.0.1",
        concurrency: int = 4,
        report_rate_limit: int | None = None,
        caller_policy: str | None = None,
        ack_deadlines: str | None = None,
    ) -> None:
        self.state_dir = state_dir
        # The deployment settings the functions that read them get, as the CDK stack gives them (a context
        # value there, serve's --caller-policy here).
        self.settings = {CALLER_LOOKUP_TIMEOUT_ENV: str(LOCAL_LOOKUP_TIMEOUT_MS)}
        if caller_policy:
            self.settings[CALLER_POLICY_ENV] = caller_policy
        # Every local client is 127.0.0.1, so a training room or a test suite shares one web-form budget.
        self.report_rate_limit = report_rate_limit
        # The acknowledgement deadlines ("P1=2,…"): the tests shorten them, as a deployment's context would.
        self.ack_deadlines = ack_deadlines
        self.ports = ports
        self.host = host
        self.concurrency = concurrency
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._servers: list[_Server] = []
        self.aws = EmbeddedAws(ports.aws, host)
        self.runtime: Runtime | None = None
        self.provisioned: Provisioned | None = None

    def _function_env(self, design: FunctionDesign) -> dict[str, str]:
        assert self.provisioned is not None
        names = {
            **self.provisioned.names,
            # Responders' links open the panel's page here; agencies' systems post to this API; the tests
            # shorten the acknowledgement deadlines as a deployment's context would.
            RESPONDER_PAGE_ENV: f"http://{self.host}:{self.ports.api}",
            PUBLIC_API_ENV: f"http://{self.host}:{self.ports.api}",
            ACK_DEADLINES_ENV: self.ack_deadlines or "",
        }
        return {
            **design.env(stage=STAGE, regency=REGENCY, names=names, settings=self.settings),
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": self.aws.endpoint,  # every boto3 client of the function talks to moto
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": design.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(design.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "LAMBDA_TASK_ROOT": str(FUNCTIONS_DIR),
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
            # Meta cannot be reached from here: the gateway stands in for the Graph API (local/standins.py).
            "GRAPH_API_URL": f"http://{self.host}:{self.ports.api}{GRAPH_STAND_IN}",
            "X_API_URL": f"http://{self.host}:{self.ports.api}{X_STAND_IN}",  # and for X's direct messages
            # Nor Amazon Connect: intake-calls asks the gateway's stand-in who an agent is.
            "AWS_ENDPOINT_URL_CONNECT": f"http://{self.host}:{self.ports.api}{CONNECT_STAND_IN}",
            "PATH": "/usr/bin:/bin",
            "TZ": "UTC",
            "LANG": "C.UTF-8",
            **({"REPORT_RATE_LIMIT": str(self.report_rate_limit)} if self.report_rate_limit else {}),
            # An agency endpoint on a .localhost host is posted to over plain HTTP (python -m local receiver).
            "AGENCY_PLAIN_HTTP_LOCALHOST": "true",
        }

    def _arn(self, design: FunctionDesign) -> str:
        return function_arn(design.name)

    def _previous(self, key: str) -> dict[str, str]:
        """A map the last run wrote (users' passwords, channel secrets): kept across restarts, so a
        training session's notes and a configured webhook stay valid."""
        path = endpoints_path(self.state_dir)
        try:
            values = json.loads(path.read_text(encoding="utf-8")).get(key, {})
            return {str(k): str(v) for k, v in values.items()}
        except (OSError, ValueError):
            return {}

    def start(self, prewarm: bool = True) -> dict[str, Any]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        stop_tracking_dynamodb_objects()
        forget_read_stream_records()
        self.aws.start()
        self.provisioned = provisioned = provision(
            self.aws.endpoint, STAGE, self._previous("users"), self._previous("secrets")
        )
        self.runtime = runtime = Runtime(
            FUNCTIONS,
            self._function_env,
            self.state_dir / "logs",
            self._arn,
            _invocation_line,
            self.concurrency,
        )
        if prewarm:
            runtime.prewarm()
        authorizer = CognitoAuthorizer(
            self.aws.endpoint, REGION, provisioned.user_pool_id, {provisioned.user_pool_client_id}
        )
        config = panel_config(
            stage=STAGE,
            regency=REGENCY,
            api_url="",  # the panel is served on the API's origin
            region=REGION,
            user_pool_id=provisioned.user_pool_id,
            user_pool_client_id=provisioned.user_pool_client_id,
            cognito_endpoint=self.aws.endpoint,
            caller_policy=self.settings.get(CALLER_POLICY_ENV),
        )
        panel = PanelFiles(config, self.aws.endpoint)
        self.graph = GraphApiStandIn()
        agents = ConnectStandIn((*OPERATORS, SUPERVISOR))
        api = _serve(
            RestApi(runtime, authorizer, _log, panel, self.graph, agents, AgencyOutbox()),
            self.host,
            self.ports.api,
            "rest-api",
        )
        lambda_api = _serve(LambdaApi(runtime, _log), self.host, self.ports.lambda_, "lambda-api")
        self._servers += [api, lambda_api]

        sqs = client("sqs", self.aws.endpoint)
        streams, ddb = client("dynamodbstreams", self.aws.endpoint), client("dynamodb", self.aws.endpoint)
        for design in FUNCTIONS:
            if design.stream:
                table = provisioned.names[design.stream.table.env_var]
                self._threads.append(StreamPoller(design, table, runtime, streams, ddb, self._stop, _log))
            if design.source:
                queue_id = design.source.queue.id
                self._threads.append(
                    QueuePoller(
                        design,
                        provisioned.queue_urls[queue_id],
                        provisioned.queue_arns[queue_id],
                        runtime,
                        sqs,
                        self._stop,
                        _log,
                    )
                )
            if design.schedule_minutes:
                self._threads.append(Schedule(design, runtime, self._stop, _log))
        for thread in self._threads:
            thread.start()

        endpoints = {
            "api": api.url,
            "lambda": lambda_api.url,
            "aws": self.aws.endpoint,
            "region": REGION,
            "stage": STAGE,
            "userPoolId": provisioned.user_pool_id,
            "userPoolClientId": provisioned.user_pool_client_id,
            "users": provisioned.users,
            "secrets": provisioned.secrets,
            "functions": runtime.names,
            "resources": {
                **provisioned.names,
                "queues": provisioned.queue_urls,
                "agencyInboxes": provisioned.inboxes,
            },
            "logs": str(runtime.log_dir),
        }
        path = endpoints_path(self.state_dir)
        path.write_text(json.dumps(endpoints, indent=2) + "\n", encoding="utf-8")
        path.chmod(0o600)  # it holds the operators' passwords
        return endpoints

    def stop(self) -> None:
        self._stop.set()
        for server in self._servers:
            server.server.shutdown()
        for thread in self._threads:
            thread.join(timeout=3)
        if self.runtime:
            self.runtime.close()
        self.aws.stop()


def banner(endpoints: dict[str, Any], state_dir: Path) -> str:
    python = os.path.relpath(sys.executable) if sys.executable.startswith(os.getcwd()) else sys.executable
    return "\n".join(
        [
            "Respon 112 — local stack is up (Ctrl-C stops it)",
            f"  Operator panel  {endpoints['api']}/   (web report form: {endpoints['api']}/report.html)",
            f"  REST API        {endpoints['api']}   (OpenAPI: {endpoints['api']}/openapi.json)",
            f"  Lambda Invoke   {endpoints['lambda']}   functions: {', '.join(endpoints['functions'])}",
            f"  Embedded AWS    {endpoints['aws']}   region {endpoints['region']}",
            f"  Operators       operator1 … operator9, supervisor — passwords in {endpoints_path(state_dir)}",
            "  Directory       admin edits the agency directory (seeded: placeholder contacts)",
            f"  Function logs   {endpoints['logs']}/<function>.log",
            "",
            "  Try, in another terminal:",
            f"    {python} -m local call +6281234567890      # a simulated 112 call",
            f"    {python} -m local demo                     # call → claim → verify → dispatched",
            "",
        ]
    )

"""python -m bench — how heavy each function is, relative to floors measured in the same run.

1. Cold start: importing each handler module in a fresh interpreter, against a bare interpreter
   (`python -c pass`) and against `import boto3` (what any Python Lambda that calls AWS pays).
2. Warm latency: the Connect intake on an in-process moto DynamoDB, against the floor of the same
   TransactWriteItems (incident, audit entry, dedupe item) sent raw with boto3: what the handler adds
   on top of the one write a registration cannot avoid. Samples alternate, so both see the same table.
3. AWS calls per operation: the budget each use case spends (deterministic; tests pin the same numbers).
4. The surge (bench/surge.py): as many 112 calls at once as this machine sustains, through the contact
   flow on a local stack of its own, held for 60 s (BENCH_SURGE_SECONDS; 0 skips it); the rate, the
   intake's p99 as a ratio of its median, and every call read back with its contact events: 0 lost.

Absolute times on this machine say little about Lambda; the ratios say what our code adds.
`make bench` takes about 6 minutes on 2 CPUs, most of it the surge and its read-back.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Respon112Bench",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
# Metrics stay on, as deployed (their EMF serialisation is part of a handler's cost); their output goes
# to /dev/null while handlers run. (POWERTOOLS_METRICS_DISABLED would skip it, and in Powertools 3.x it
# also stops the flush from clearing the metric set, which then prints itself every 100 values.)
os.environ.update(ENV)
os.environ.pop("AWS_ENDPOINT_URL", None)


def _median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env, cwd=ROOT, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def cold_imports(runs: int) -> None:
    from infra.definitions import FUNCTIONS

    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    python = [sys.executable, "-c"]
    floor = _median_seconds([*python, "pass"], runs, env)
    boto = _median_seconds([*python, "import boto3"], runs, env)
    print(f"\nCold start: handler import in a fresh interpreter (median of {runs})")
    print(f"  floor  python -c pass           1.00  ({floor * 1000:.0f} ms)")
    print(f"  ref    import boto3             {boto / floor:5.2f}")
    for design in FUNCTIONS:
        module = design.handler.rsplit(".", 1)[0]
        seconds = _median_seconds([*python, f"import {module}"], runs, env)
        print(
            f"  {design.name:22} {module:24} {seconds / floor:5.2f}  (x{seconds / boto:.2f} of import boto3)"
        )


def _alternating_medians(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[float, float]:
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for function, bucket in ((first, samples[0]), (second, samples[1])):
            started = time.perf_counter()
            function()
            bucket.append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])


def warm_and_calls(runs: int) -> None:
    import boto3
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from moto import mock_aws

    from bench.calls import CallCounter
    from core.dispatching import Dispatcher
    from core.idempotency import IdempotentNotifier, dynamodb_persistence, notification_config
    from core.incidents import IncidentService, VerifyCommand
    from core.messaging import SnsAgencyNotifier, SqsDispatchQueue
    from core.models import Category, Location, Priority
    from core.regency import REGENCIES
    from core.repository import DynamoIncidentRepository
    from core.tables import TABLES
    from intake.connect import lambda_handler as intake
    from local.aws import create_table
    from tests.support import FakeLambdaContext, connect_event

    lines: list[str] = []  # printed at the end: while handlers run, stdout takes their EMF metrics
    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed by the ExitStack below
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock_aws())
        stack.callback(quiet.close)
        stack.enter_context(contextlib.redirect_stdout(quiet))
        stack.enter_context(warnings.catch_warnings())
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        ddb = boto3.client("dynamodb")
        names = {}
        for design in TABLES:
            names[design.env_var] = design.physical_name("bench")
            create_table(ddb, design, names[design.env_var])
        sqs, sns = boto3.client("sqs"), boto3.client("sns")
        queue_url = sqs.create_queue(QueueName="bench-dispatch")["QueueUrl"]
        topic = sns.create_topic(Name="bench-agencies")["TopicArn"]
        counter = CallCounter().attach(ddb, sqs, sns)
        regency = REGENCIES["banyuwangi"]
        service = IncidentService(
            DynamoIncidentRepository(names["TABLE_NAME"], ddb), regency, SqsDispatchQueue(queue_url, sqs)
        )
        context = FakeLambdaContext()

        table = names["TABLE_NAME"]

        def floor() -> None:
            key = str(uuid.uuid4())
            items = [
                {"Put": {"TableName": table, "Item": {"pk": {"S": f"{kind}#{key}"}, "sk": {"S": kind}},
                         "ConditionExpression": "attribute_not_exists(pk)"}}
                for kind in ("INCIDENT", "AUDIT", "DEDUPE")
            ]  # fmt: skip
            ddb.transact_write_items(TransactItems=items)  # type: ignore[arg-type]

        def register() -> None:
            intake(connect_event(contact_id=str(uuid.uuid4())), context, service=service)

        _alternating_medians(floor, register, 20)  # warm up both paths
        floor_s, intake_s = _alternating_medians(floor, register, runs)
        lines.append(f"\nWarm latency on in-process moto (median of {runs}, alternating)")
        lines.append(f"  floor  raw TransactWriteItems   1.00  ({floor_s * 1000:.2f} ms)")
        lines.append(f"  intake-connect (Connect call)   {intake_s / floor_s:5.2f}")

        budget: dict[str, dict[str, int]] = {}

        def measure(name: str, operation: Callable[[], object]) -> None:
            counter.reset()
            operation()
            budget[name] = dict(counter.calls)

        event = connect_event(contact_id=str(uuid.uuid4()))
        measure("register a call", lambda: intake(event, context, service=service))
        measure("Connect retry of that call", lambda: intake(event, context, service=service))
        incident_id = json.loads(
            json.dumps(intake(connect_event(contact_id=str(uuid.uuid4())), context, service=service))
        )["incidentId"]
        measure("claim", lambda: service.claim(incident_id, "operator1"))
        command = VerifyCommand(Category.FIRE, Priority.P1, Location(district="Genteng"), "Rumah terbakar")
        measure("verify (and queue dispatch)", lambda: service.verify(incident_id, "operator1", command))
        config = notification_config()
        config.register_lambda_context(cast(LambdaContext, context))
        notifier = IdempotentNotifier(
            SnsAgencyNotifier(topic, regency, sns),
            dynamodb_persistence(names["IDEMPOTENCY_TABLE_NAME"]),
            config,
        )
        dispatcher = Dispatcher(DynamoIncidentRepository(names["TABLE_NAME"], ddb), notifier)
        measure("dispatch to 1 agency", lambda: dispatcher.dispatch(incident_id))
        measure("redelivered dispatch request", lambda: dispatcher.dispatch(incident_id))
        measure("incident detail (timeline)", lambda: service.detail(incident_id))
        lines.append("\nAWS calls per operation (boto3 client calls; idempotency records not counted)")
        for name, calls in budget.items():
            detail = ", ".join(f"{k} x{v}" for k, v in sorted(calls.items()))
            lines.append(f"  {name:32} {sum(calls.values()):2}  {detail}")
    print("\n".join(lines))


def surge(hold_seconds: float) -> int:
    from bench.surge import report, surge, with_stack

    result = with_stack(lambda endpoints: surge(endpoints, hold_seconds))
    print("\n".join(report(result)), flush=True)
    return 1 if result.readback.lost else 0


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "15"))
    hold = float(os.environ.get("BENCH_SURGE_SECONDS", "60"))
    print("Respon 112 benchmarks — ratios against floors measured in this run", flush=True)
    cold_imports(max(5, runs // 3))
    warm_and_calls(runs * 10)
    return surge(hold) if hold > 0 else 0


if __name__ == "__main__":
    sys.exit(main())

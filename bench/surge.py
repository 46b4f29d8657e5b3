"""The surge: as many 112 calls at once as this machine sustains, through the contact flow, on a local stack.

Each caller is a thread placing calls back to back through the flow runner (local/flow/call.py: the real
flow file, intake-connect in the stack's Lambda runtime through its Invoke API), then sending the call's
contact events to the stack's contact-events queue (local/contact_events.py), which intake-calls records.
Three of four calls are answered by an operator after a few simulated seconds; one in four is abandoned
in the queue (flagged ABANDONED, on the callback desk). The simulated clock never sleeps: a caller's
next call starts when the last one's flow and events are done.

1. Ramp: 1, 2, 4, … callers at once, each level for `ramp_seconds`. The level kept is the one with the
   most calls a second before the rate stops growing by 10 %, a call fails, or the intake's p99 passes the
   flow's block limit (3 s, beyond which Connect would take the error branch).
2. Hold: that many callers for `hold_seconds` (60 in `make bench`): the rate this machine sustains.
3. Nothing lost: every call of the run is read back by designed access patterns only (GET
   /incidents/{id}, and the status index's pages of GET /incidents?status=RECEIVED), until each has its
   incident and its contact events recorded on it (queued, answered by the operator or ABANDONED,
   disconnected), or the drain's time is up. The intake's p99 is reported as a ratio of its median.

The local stack and the callers share this machine's CPUs: the rate is this machine's, not Lambda's
(docs/surge.md does the arithmetic for AWS).
"""

from __future__ import annotations

import math
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.contact_flow import CONNECT_INVOKE_TIMEOUT_SECONDS
from local.aws import client
from local.config import OPERATORS
from local.contact_events import QUEUE, send
from local.flow.call import CallSetup, LocalLambda, simulate
from local.flow.steps import Functions, Invoked
from local.simulator import ApiClient

# Before the ramp, as many callers as the stack has environments per function (`serve --concurrency`, 4):
# their cold starts happen here, not in the ramp's first levels.
WARM_CALLERS = 4
WARM_SECONDS = 3.0
RAMP_SECONDS = 5.0
HOLD_SECONDS = 60.0
MAX_CALLERS = 64
GROWTH = 1.10  # a level must place 10 % more calls a second than the one before to count as more
# After the last call, the contact-events queue drains: a queue that has not shrunk for this long is stuck
# (longer than a failed batch's visibility timeout, 60 s, after which SQS hands it out again).
STALL_SECONDS = 90.0
ANSWER_AFTER = 5.0  # simulated seconds in the queue before an operator answers
ABANDON_AFTER = 30.0  # simulated seconds in the queue before an abandoning caller hangs up
ABANDON_EVERY = 4  # one call in four is abandoned
READERS = 4  # threads reading incidents back


@dataclass
class Placed:
    """One call of the surge, as its caller saw it."""

    contact_id: str
    abandoned: bool
    operator: str | None
    incident_id: str | None = None
    intake_seconds: list[float] = field(default_factory=list)
    events: int = 0  # contact events sent
    error: str | None = None


class _TimedIntake:
    """The Functions port, timing every invocation (what Connect's block waits for)."""

    def __init__(self, inner: Functions, seconds: list[float]) -> None:
        self._inner, self._seconds = inner, seconds

    def invoke(self, function_arn: str, event: Mapping[str, Any], time_limit: int) -> Invoked:
        invoked = self._inner.invoke(function_arn, event, time_limit)
        self._seconds.append(invoked.seconds)
        return invoked


def _callers_number(serial: int) -> str:
    return f"+62813{serial % 10**7:07d}"  # a different caller each call: no caller's history in the way


def place_one(endpoints: Mapping[str, Any], functions: Functions, sqs: Any, serial: int) -> Placed:
    abandoned = serial % ABANDON_EVERY == 0
    operator = None if abandoned else OPERATORS[serial % len(OPERATORS)]
    placed = Placed(str(uuid.uuid4()), abandoned, operator)
    setup = CallSetup(
        _callers_number(serial),
        placed.contact_id,
        abandon_after=ABANDON_AFTER if abandoned else None,
        answer_after=None if abandoned else ANSWER_AFTER,
        operator=operator or OPERATORS[0],
    )
    try:
        call = simulate(setup, _TimedIntake(functions, placed.intake_seconds))
        placed.incident_id = call.contact.attributes.get("incidentId")
        if placed.incident_id is None:
            placed.error = f"no incident id on the contact ({call.outcome.end.value}: {call.outcome.reason})"
        if send(endpoints, call.events, sqs) is None:
            placed.error = "the stack has no contact-events queue"
        placed.events = len(call.events)
    except Exception as error:  # a failed call is counted, never hidden
        placed.error = f"{type(error).__name__}: {error}"
    return placed


@dataclass
class Level:
    callers: int
    seconds: float
    calls: list[Placed]

    @property
    def rate(self) -> float:
        return len(self.calls) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(1 for call in self.calls if call.error)

    @property
    def intake(self) -> list[float]:
        return [s for call in self.calls for s in call.intake_seconds]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` 0.99 for p99)."""
    ordered = sorted(values)
    rank = math.ceil(fraction * len(ordered))  # the smallest value with `fraction` of them at or below it
    return ordered[max(0, min(len(ordered), rank) - 1)]


def run_level(endpoints: Mapping[str, Any], callers: int, seconds: float, serials: Iterator[int]) -> Level:
    """`callers` threads placing calls back to back for `seconds`; the calls they placed."""
    stop = threading.Event()
    placed: list[Placed] = []
    lock = threading.Lock()

    def caller() -> None:
        functions = LocalLambda(endpoints)
        sqs = client("sqs", endpoints["aws"], endpoints["region"])
        while not stop.is_set():
            with lock:
                serial = next(serials)
            call = place_one(endpoints, functions, sqs, serial)
            with lock:
                placed.append(call)

    threads = [threading.Thread(target=caller, name=f"caller-{n}", daemon=True) for n in range(callers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return Level(callers, time.perf_counter() - started, placed)


def acceptable(level: Level) -> bool:
    intake = level.intake
    return not level.errors and bool(intake) and percentile(intake, 0.99) <= CONNECT_INVOKE_TIMEOUT_SECONDS


def ramp(
    endpoints: Mapping[str, Any],
    seconds: float,
    serials: Iterator[int],
    most: int = MAX_CALLERS,
    stall_seconds: float = STALL_SECONDS,
) -> tuple[list[Level], int]:
    """Double the callers until the rate stops growing or a call fails or is too slow; the levels run and
    the number of callers to hold. Each level starts once the events of the one before are recorded, so
    every level meets the same stack, not the backlog its predecessor left."""
    levels: list[Level] = []
    best: Level | None = None
    callers = 1
    while callers <= most:
        drain(endpoints, stall_seconds)
        level = run_level(endpoints, callers, seconds, serials)
        levels.append(level)
        if not acceptable(level):
            break
        if best is not None and level.rate < best.rate * GROWTH:
            if level.rate > best.rate:
                best = level
            break
        best = level
        callers *= 2
    return levels, (best.callers if best else 1)


@dataclass
class Readback:
    lost: list[Placed]
    drained_after: float  # seconds from the last call until the contact-events queue was empty
    listed: int  # of the calls' incidents, how many the status index's pages hold
    dead_letters: int  # contact events in the queue's dead-letter queue


def recorded(call: Placed, detail: Mapping[str, Any]) -> bool:
    """The incident holds the call's contact events: queued, disconnected, and answered by its operator or
    abandoned (flagged)."""
    times = detail.get("call") or {}
    if not (times.get("queuedAt") and times.get("disconnectedAt") and times.get("initiatedAt")):
        return False
    if call.abandoned:
        return bool(times.get("abandoned")) and "ABANDONED" in detail.get("flags", [])
    return bool(times.get("answeredAt")) and times.get("answeredBy") == call.operator


def _waiting(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def drain(endpoints: Mapping[str, Any], stall_seconds: float = STALL_SECONDS) -> float:
    """Wait until the contact-events queue is empty, as long as it keeps shrinking; the seconds it took.
    (The queue's own counters: reading incidents meanwhile would slow the very function being waited
    for, since the embedded DynamoDB answers one request at a time.)"""
    sqs = client("sqs", endpoints["aws"], endpoints["region"])
    url = endpoints["resources"]["queues"][QUEUE]
    started = last_progress = time.monotonic()
    fewest = _waiting(sqs, url)
    while fewest:
        if time.monotonic() - last_progress > stall_seconds:
            break  # stuck: what is left is counted lost below
        time.sleep(1.0)  # polls the queue's counters, a second apart, while the poller works
        waiting = _waiting(sqs, url)
        if waiting < fewest:
            fewest, last_progress = waiting, time.monotonic()
    return time.monotonic() - started


def read_back(
    endpoints: Mapping[str, Any], calls: list[Placed], stall_seconds: float = STALL_SECONDS
) -> Readback:
    """Every call's incident and events, read through the API (GET /incidents/{id}, then the status
    index's pages) once the contact-events queue has drained."""
    drained = drain(endpoints, stall_seconds)
    api = ApiClient(dict(endpoints), "supervisor")

    def found(call: Placed) -> bool:
        response = api.get(f"/incidents/{call.incident_id}")
        return response.status_code == 200 and recorded(call, response.json())

    registered = [call for call in calls if call.incident_id]
    with ThreadPoolExecutor(READERS) as pool:
        seen = dict(zip((id(c) for c in registered), pool.map(found, registered), strict=True))
    listed = set(_received(api))
    lost = [c for c in calls if not seen.get(id(c)) or c.incident_id not in listed]
    sqs = client("sqs", endpoints["aws"], endpoints["region"])
    dead = _waiting(sqs, endpoints["resources"]["queues"][f"{QUEUE}-dlq"])
    return Readback(lost, drained, sum(1 for c in calls if c.incident_id in listed), dead)


def _received(api: ApiClient) -> Iterator[str]:
    """The ids the status index lists as RECEIVED, page after page (bounded)."""
    cursor: str | None = None
    for _ in range(1000):
        response = api.get(
            "/incidents", status="RECEIVED", limit=100, **({"cursor": cursor} if cursor else {})
        )
        response.raise_for_status()
        page = response.json()
        yield from (item["id"] for item in page["items"])
        cursor = page.get("nextCursor")
        if not cursor:
            return


@dataclass
class Surge:
    warm: Level
    levels: list[Level]
    hold: Level
    readback: Readback

    @property
    def calls(self) -> list[Placed]:
        return [call for level in (self.warm, *self.levels, self.hold) for call in level.calls]


def surge(
    endpoints: Mapping[str, Any],
    hold_seconds: float = HOLD_SECONDS,
    ramp_seconds: float = RAMP_SECONDS,
    most_callers: int = MAX_CALLERS,
    stall_seconds: float = STALL_SECONDS,
) -> Surge:
    serials = iter(range(1, 10**9))
    warm = run_level(endpoints, WARM_CALLERS, WARM_SECONDS, serials)
    levels, callers = ramp(endpoints, ramp_seconds, serials, most_callers, stall_seconds)
    drain(endpoints, stall_seconds)
    hold = run_level(endpoints, callers, hold_seconds, serials)
    calls = [call for level in (warm, *levels, hold) for call in level.calls]
    return Surge(warm, levels, hold, read_back(endpoints, calls, stall_seconds))


def _spread(values: list[float]) -> tuple[float, float]:
    """(p50, p99), NaN when there are none."""
    if not values:
        return float("nan"), float("nan")
    return statistics.median(values), percentile(values, 0.99)


def report(result: Surge) -> list[str]:
    """The surge's lines, as the bench prints its other ratios: against the intake alone, in this run."""
    floor, _ = _spread(result.levels[0].intake)
    hold, readback = result.hold, result.readback
    lines = [
        f"\nSurge through the contact flow (a local stack of its own; {WARM_SECONDS:.0f} s warm-up, then "
        f"{RAMP_SECONDS:.0f} s a level; calls back to back, 1 in {ABANDON_EVERY} abandoned in the queue)",
        f"  floor  intake-connect, 1 caller, p50   1.00  ({floor * 1000:.0f} ms)",
        "         callers  calls/s  intake p50  p99/p50  failed",
    ]
    for level in (*result.levels, hold):
        p50, p99 = _spread(level.intake)
        tag = f"hold {level.seconds:.0f} s" if level is hold else "ramp"
        lines.append(
            f"  {tag:11}{level.callers:4}  {level.rate:7.1f}  {p50 / floor:10.2f}  {p99 / p50:7.2f}  "
            f"{level.errors:6}"
        )
    p50, p99 = _spread(hold.intake)
    events = sum(call.events for call in hold.calls)
    calls, lost = result.calls, readback.lost
    lines += [
        f"  sustained  {hold.callers} callers at once: {hold.rate:.1f} calls/s for {hold.seconds:.0f} s "
        f"({len(hold.calls)} calls)",
        f"  intake-connect p99 / p50 under the surge  {p99 / p50:5.2f}  (p50 {p50 / floor:.2f} of the floor)",
        f"  lost       {len(lost)} of {len(calls)} calls: each read back by id with its contact events, "
        f"{readback.listed} listed RECEIVED by the status index, {readback.dead_letters} dead letters",
        f"  contact events: the last recorded {readback.drained_after:.0f} s after the last call; "
        f"{events / (hold.seconds + readback.drained_after):.1f} events/s through intake-calls "
        f"({events / max(1, len(hold.calls)):.1f} a call)",
    ]
    for call in lost[:5]:
        lines.append(
            f"    lost: contact {call.contact_id} incident {call.incident_id} {call.error or 'not recorded'}"
        )
    return lines


def with_stack(action: Callable[[Mapping[str, Any]], Surge]) -> Surge:
    """Run `action` against a local stack of its own, started as `make dev` starts it (free ports)."""
    from tests.integration.helpers import DEFAULT_SERVE_ARGS, running_stack

    with (
        tempfile.TemporaryDirectory(prefix="respon112-surge-") as state,
        running_stack(Path(state), *DEFAULT_SERVE_ARGS) as endpoints,
    ):
        return action(endpoints)

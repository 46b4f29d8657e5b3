"""`python -m local call`: a simulated 112 call through the contact flow, against the running local
stack. The intake runs in the stack's Lambda runtime (through its Lambda Invoke API, by the ARN the
flow names); the world does what the flags say; after the flow, the queue: an operator answers after N
seconds, the caller gives up, or the caller is still waiting. The call's contact events go to the
stack's `contact-events` queue when it has one, as EventBridge would deliver them."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from local.aws import client
from local.config import ACCOUNT_ID, REGION
from local.flow.contact import Contact
from local.flow.events import CallTimes, contact_events
from local.flow.model import FlowError
from local.flow.runner import Outcome, run
from local.flow.source import emergency_flow
from local.flow.steps import Clock, End, Functions, Invoked
from local.flow.world import Script

CONTACT_EVENTS_QUEUE = "contact-events"
RING_SECONDS = 0.5  # from the caller dialling to the flow's first action
TALK_SECONDS = 90.0  # an answered call: how long the operator and the caller talk, simulated


class LocalLambda:
    """The Functions port over the local stack's Lambda Invoke API."""

    def __init__(self, endpoints: Mapping[str, Any]) -> None:
        self._client = client("lambda", endpoints["lambda"], endpoints["region"])

    def invoke(self, function_arn: str, event: Mapping[str, Any], time_limit: int) -> Invoked:
        started = time.perf_counter()
        response = self._client.invoke(FunctionName=function_arn, Payload=json.dumps(event).encode())
        seconds = time.perf_counter() - started
        payload = json.loads(response["Payload"].read() or b"null")
        if "FunctionError" in response:
            problem = payload if not isinstance(payload, dict) else payload.get("errorMessage", payload)
            return Invoked(None, f"{response['FunctionError']}: {problem}", seconds)
        return Invoked(payload, None, seconds)


@dataclass(frozen=True)
class CallSetup:
    caller: str | None  # None: a withheld number
    contact_id: str | None = None
    script: Script = field(default_factory=Script)
    backup_number: str | None = None  # the flow's backup number (connectBackupNumber)
    answer_after: float | None = None  # an operator answers this long after the call is queued
    abandon_after: float | None = None  # the caller hangs up this long after being queued
    silent: bool = False  # an open line: nobody speaks (and no key is pressed)


@dataclass(frozen=True)
class SimulatedCall:
    setup: CallSetup
    outcome: Outcome
    times: CallTimes
    events: list[dict[str, Any]]
    afterwards: str  # what happened after the flow, in words
    events_sent_to: str | None = None  # the queue's URL, None when the stack has none

    @property
    def contact(self) -> Contact:
        return self.outcome.contact


def simulate(setup: CallSetup, functions: Functions, start: datetime | None = None) -> SimulatedCall:
    """The call through the flow, then the queue, on a simulated clock (nothing sleeps)."""
    initiated = start or datetime.now(UTC)
    connected = initiated + timedelta(seconds=RING_SECONDS)
    clock = Clock(connected)
    contact = Contact.inbound(setup.caller, setup.contact_id)
    flow = emergency_flow(setup.backup_number)
    named = [*setup.script.failing, *([setup.script.hang_up_at] if setup.script.hang_up_at else [])]
    unknown = [name for name in named if name not in flow.actions]
    if unknown:
        raise FlowError(f"the flow has no action {', '.join(unknown)}; it has {', '.join(flow.actions)}")
    outcome = run(flow, contact, setup.script, functions, clock)
    ended = clock.at(outcome.at)
    times = CallTimes(initiated, connected)
    match outcome.end:
        case End.QUEUED:
            times, afterwards = _in_queue(setup, times, ended, outcome.reached)
        case End.TRANSFERRED:
            times = _with(times, disconnected=ended + timedelta(seconds=TALK_SECONDS))
            afterwards = f"the caller talks with {outcome.reached} for {TALK_SECONDS:.0f} s, then hangs up"
        case End.STILL_HELD:
            afterwards = "the caller is still on the line, held while the flow retries"
        case _:
            times = _with(times, disconnected=ended)
            afterwards = "the call is over"
    events = contact_events(contact, times, ACCOUNT_ID, REGION)
    return SimulatedCall(setup, outcome, times, events, afterwards)


def _with(times: CallTimes, **changes: Any) -> CallTimes:
    return replace(times, **changes)


def _in_queue(
    setup: CallSetup, times: CallTimes, enqueued: datetime, queue: str | None
) -> tuple[CallTimes, str]:
    times = _with(times, enqueued=enqueued, queue_arn=queue)
    if setup.answer_after is not None:
        answered = enqueued + timedelta(seconds=setup.answer_after)
        times = _with(
            times, connected_to_agent=answered, disconnected=answered + timedelta(seconds=TALK_SECONDS)
        )
        heard = "an open line: nobody speaks" if setup.silent else "the caller"
        return times, (
            f"an operator answers after {setup.answer_after:g} s in the queue and hears {heard}; "
            f"the call ends {TALK_SECONDS:.0f} s later"
        )
    if setup.abandon_after is not None:
        times = _with(times, disconnected=enqueued + timedelta(seconds=setup.abandon_after))
        return times, f"the caller hangs up after {setup.abandon_after:g} s in the queue, unanswered"
    return times, (
        "the caller waits in the queue: no operator answers locally (--answer-after N simulates one, "
        "--abandon a caller who gives up)"
    )


def place(endpoints: Mapping[str, Any], setup: CallSetup) -> SimulatedCall:
    """Simulate the call against the running stack and deliver its contact events, if the stack takes
    them."""
    call = simulate(setup, LocalLambda(endpoints))
    url = endpoints.get("resources", {}).get("queues", {}).get(CONTACT_EVENTS_QUEUE)
    if url is None:
        return call
    sqs = client("sqs", endpoints["aws"], endpoints["region"])
    for event in call.events:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    return SimulatedCall(call.setup, call.outcome, call.times, call.events, call.afterwards, url)


# -- what the CLI prints ----------------------------------------------------------------------------------


def summary(call: SimulatedCall) -> dict[str, Any]:
    """The call as JSON (`--json`)."""
    outcome = call.outcome
    return {
        "contactId": call.contact.contact_id,
        "end": outcome.end.value,
        "reason": outcome.reason,
        "reached": outcome.reached,
        "queuePriority": call.contact.queue_priority if outcome.end is End.QUEUED else None,
        "seconds": round(outcome.at, 1),
        "attributes": dict(call.contact.attributes),
        "afterwards": call.afterwards,
        "steps": [
            {
                "at": round(step.at, 1),
                "action": step.action,
                "type": step.type,
                "branch": step.branch,
                "to": step.target,
                "said": step.said,
                "note": step.note,
                "attributes": dict(step.attributes),
            }
            for step in outcome.steps
        ],
        "events": [event["detail"]["eventType"] for event in call.events],
        "eventsSentTo": call.events_sent_to,
    }


def report(call: SimulatedCall) -> str:
    """The call as a person reads it: each step, what the caller hears, where the call ends."""
    contact, outcome = call.contact, call.outcome
    caller = contact.caller or "a withheld number"
    lines = [f"112 call from {caller} (contact {contact.contact_id}) to {contact.dialled}"]
    width = max(len(step.action) for step in outcome.steps) if outcome.steps else 0
    for step in outcome.steps:
        how = "" if step.branch in ("next", "end") else f"  [{step.branch} → {step.target}]"
        what = [step.note] if step.note else []
        what += [f"{name}={value}" for name, value in step.attributes.items()]
        stamp = f"+{step.at:.1f}s"
        lines.append(f"  {stamp:>7}  {step.action:<{width}}  {'; '.join(what)}{how}".rstrip())
        if step.said:
            lines.append(f"  {'':>7}  {'':<{width}}  caller hears: “{step.said}”")
    lines.append(f"{outcome.end.value} at +{outcome.at:.1f}s: {outcome.reason}")
    lines.append(f"then {call.afterwards}")
    kinds = ", ".join(event["detail"]["eventType"] for event in call.events)
    if call.events_sent_to:
        lines.append(f"contact events {kinds}: sent to the {CONTACT_EVENTS_QUEUE} queue")
    else:
        lines.append(
            f"contact events {kinds}: not delivered, this stack has no {CONTACT_EVENTS_QUEUE} queue "
            "(nothing consumes them yet)"
        )
    if outcome.end is End.DISCONNECTED:
        lines.append("the flow hung up on a 112 caller: the flow is wrong (docs/connect-flow.md)")
    return "\n".join(lines)

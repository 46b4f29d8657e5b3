"""`python -m local call`: a simulated 112 call through the contact flow, against the running local
stack. The intake runs in the stack's Lambda runtime (through its Lambda Invoke API, by the ARN the
flow names); the world does what the flags say; after the flow, the queue: an operator answers after N
seconds, the caller gives up, or the caller is still waiting. The call's contact events
(local/contact_events.py) go to the stack's `contact-events` queue, as EventBridge would deliver them."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local.aws import client
from local.contact_events import (
    CALLER_HUNG_UP,
    FLOW_HUNG_UP,
    QUEUE,
    RING_SECONDS,
    CallTimes,
    contact_events,
    send,
)
from local.flow.contact import Contact
from local.flow.model import FlowError
from local.flow.runner import Outcome, run
from local.flow.source import emergency_flow
from local.flow.steps import Clock, End, Functions, Invoked
from local.flow.world import Script

CONTACT_EVENTS_QUEUE = QUEUE
TALK_SECONDS = 90.0  # an answered call: how long the operator and the caller talk, simulated
DEFAULT_OPERATOR = "operator1"  # the local operator whose agent answers (--operator)


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
    operator: str = DEFAULT_OPERATOR  # who answers (a local user: their Connect agent is paired by name)


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


@dataclass
class _Moments:
    """The call's moments in seconds after it began (None: it did not happen)."""

    flow_ended: float  # where the flow left the call (queued, transferred, held, hung up)
    connected: float = RING_SECONDS
    enqueued: float | None = None
    queue: str | None = None
    answered: float | None = None
    disconnected: float | None = None
    reason: str | None = None

    def last(self) -> float:
        moments = (self.flow_ended, self.enqueued, self.answered, self.disconnected)
        return max(m for m in moments if m is not None)


def simulate(setup: CallSetup, functions: Functions, start: datetime | None = None) -> SimulatedCall:
    """The call through the flow, then the queue, on a simulated clock (nothing sleeps). The events carry
    the clock's times from `start`; without one, the call is told as it stands now: it began as long ago
    as the simulation ran (an answered call has just ended), so no event lies in the future."""
    contact = Contact.inbound(setup.caller, setup.contact_id)
    flow = emergency_flow(setup.backup_number)
    named = [*setup.script.failing, *([setup.script.hang_up_at] if setup.script.hang_up_at else [])]
    unknown = [name for name in named if name not in flow.actions]
    if unknown:
        raise FlowError(f"the flow has no action {', '.join(unknown)}; it has {', '.join(flow.actions)}")
    clock = Clock(start or datetime.now(UTC))  # the flow's actions count seconds; only offsets matter
    outcome = run(flow, contact, setup.script, functions, clock)
    ended = RING_SECONDS + outcome.at
    moments = _Moments(ended)
    match outcome.end:
        case End.QUEUED:
            afterwards = _in_queue(setup, moments, ended, outcome.reached)
        case End.TRANSFERRED:
            moments.disconnected = ended + TALK_SECONDS
            afterwards = f"the caller talks with {outcome.reached} for {TALK_SECONDS:.0f} s, then hangs up"
        case End.STILL_HELD:
            afterwards = "the caller is still on the line, held while the flow retries"
        case End.CALLER_HUNG_UP:
            moments.disconnected, moments.reason = ended, CALLER_HUNG_UP
            afterwards = "the call is over"
        case _:
            moments.disconnected, moments.reason = ended, FLOW_HUNG_UP
            afterwards = "the call is over"
    initiated = start or datetime.now(UTC) - timedelta(seconds=moments.last())
    times = _times(initiated, moments, setup.operator)
    return SimulatedCall(setup, outcome, times, contact_events(contact.contact_id, times), afterwards)


def _times(initiated: datetime, moments: _Moments, operator: str) -> CallTimes:
    def at(offset: float | None) -> datetime | None:
        return None if offset is None else initiated + timedelta(seconds=offset)

    return CallTimes(
        initiated,
        connected_to_system=at(moments.connected),
        enqueued=at(moments.enqueued),
        queue_arn=moments.queue,
        answered=at(moments.answered),
        answered_by=operator if moments.answered is not None else None,
        disconnected=at(moments.disconnected),
        disconnect_reason=moments.reason,
    )


def _in_queue(setup: CallSetup, moments: _Moments, enqueued: float, queue: str | None) -> str:
    moments.enqueued, moments.queue = enqueued, queue
    if setup.answer_after is not None:
        moments.answered = enqueued + setup.answer_after
        moments.disconnected = moments.answered + TALK_SECONDS
        heard = "an open line: nobody speaks" if setup.silent else "the caller"
        return (
            f"{setup.operator} answers after {setup.answer_after:g} s in the queue and hears {heard}; "
            f"the call ends {TALK_SECONDS:.0f} s later"
        )
    if setup.abandon_after is not None:
        moments.disconnected, moments.reason = enqueued + setup.abandon_after, CALLER_HUNG_UP
        return f"the caller hangs up after {setup.abandon_after:g} s in the queue, unanswered"
    return (
        "the caller waits in the queue: no operator answers locally (--answer-after N simulates one, "
        "--abandon a caller who gives up)"
    )


def place(endpoints: Mapping[str, Any], setup: CallSetup) -> SimulatedCall:
    """Simulate the call against the running stack and deliver its contact events, if the stack takes
    them."""
    call = simulate(setup, LocalLambda(endpoints))
    url = send(endpoints, call.events)
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
        lines.append(
            f"contact events {kinds}: sent to the {CONTACT_EVENTS_QUEUE} queue (intake-calls records them)"
        )
    else:
        lines.append(f"contact events {kinds}: not delivered, this stack has no {CONTACT_EVENTS_QUEUE} queue")
    if outcome.end is End.DISCONNECTED:
        lines.append("the flow hung up on a 112 caller: the flow is wrong (docs/connect-flow.md)")
    return "\n".join(lines)

"""Runs a flow for one simulated call, action by action, as Connect would, until the call is in a
queue, with a person at another number, hung up by the caller, or ended by the flow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from local.flow.actions import HANDLERS
from local.flow.contact import REFERENCE, Contact
from local.flow.model import Action, Flow, UnknownAction
from local.flow.steps import Call, Clock, End, Functions, Result, Step
from local.flow.world import World

# A flow that keeps a caller waiting this long (the queue full, no backup) is stopped by the simulation,
# not by Connect: the caller is still held, hearing messages, and the queue is still tried.
LIMIT_SECONDS = 600.0


@dataclass(frozen=True)
class Outcome:
    end: End
    reason: str
    steps: tuple[Step, ...]
    contact: Contact
    at: float  # seconds after the call began
    reached: str | None = None  # the queue, or the number, the call ended at

    @property
    def said(self) -> list[str]:
        return [step.said for step in self.steps if step.said]


def check(flow: Flow) -> None:
    """Refuse, before any call, a flow with an action or a reference the runner does not simulate."""
    probe = Contact.inbound(None)
    for action in flow.actions.values():
        if action.type not in HANDLERS:
            raise UnknownAction(action.identifier, action.type)
        for text in _strings(action.parameters):
            for reference in REFERENCE.findall(text):
                probe.resolve(reference)  # UnknownReference for a namespace it does not know


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def execute(action: Action, call: Call) -> Result:
    """Run one action on the call; UnknownAction when no handler knows its type."""
    handler = HANDLERS.get(action.type)
    if handler is None:
        raise UnknownAction(action.identifier, action.type)
    return handler(action, call)


def run(
    flow: Flow,
    contact: Contact,
    world: World,
    functions: Functions,
    clock: Clock,
    limit_seconds: float = LIMIT_SECONDS,
) -> Outcome:
    """The call from the flow's StartAction to its end."""
    check(flow)
    call = Call(flow, contact, world, functions, clock)
    steps: list[Step] = []
    current = flow.start
    while True:
        action = flow.actions[current]
        if world.hangs_up(action):
            reason = f"the caller hung up before {action.identifier}"
            return Outcome(End.CALLER_HUNG_UP, reason, tuple(steps), contact, clock.elapsed)
        if clock.elapsed > limit_seconds:
            reason = f"still held after {limit_seconds:.0f} s, at {action.identifier}: simulation stopped"
            return Outcome(End.STILL_HELD, reason, tuple(steps), contact, clock.elapsed)
        started = clock.elapsed
        result = execute(action, call)
        steps.append(
            Step(
                at=started,
                action=action.identifier,
                type=action.type,
                branch=result.branch,
                target=result.target,
                note=result.note,
                said=result.said,
                attributes=dict(result.attributes),
            )
        )
        if result.end is not None or result.target is None:
            end = result.end or End.DISCONNECTED
            return Outcome(end, result.note, tuple(steps), contact, clock.elapsed, result.reached)
        current = result.target

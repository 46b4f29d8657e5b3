"""What one step of a simulated call is made of: the call in hand (flow, contact, world, the functions
the flow invokes, a clock), what an action did (a `Result`), and how the call can end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from local.flow.contact import Contact
from local.flow.model import Action, Condition, Flow, FlowError
from local.flow.world import FAULT, OK, Decision, World

# Errors that are not a system's failure: a condition nobody met, a caller who pressed nothing. The world
# is not asked about them; the contact and the caller decide.
NOT_FAULTS = frozenset({"NoMatchingCondition", "InputTimeLimitExceeded"})


class End(StrEnum):
    QUEUED = "QUEUED"  # in a human queue: the next free operator answers
    TRANSFERRED = "TRANSFERRED"  # a person at the backup number took the call
    CALLER_HUNG_UP = "CALLER_HUNG_UP"  # the caller ended the call before a human did
    DISCONNECTED = "DISCONNECTED"  # the flow ended the call: what the every-path check hunts for
    STILL_HELD = "STILL_HELD"  # the simulation stopped while the flow kept the caller and kept trying


HUMAN_ENDS = frozenset({End.QUEUED, End.TRANSFERRED})


@dataclass(frozen=True)
class Result:
    """How an action left: its branch, where to (None when the call ends here), and what it did."""

    branch: str  # "next", "error:<type>" or "condition:<operands>"
    target: str | None
    end: End | None = None
    note: str = ""
    said: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    reached: str | None = None  # the queue or the number the call ended at


@dataclass(frozen=True)
class Step:
    at: float  # seconds since the call began
    action: str
    type: str
    branch: str
    target: str | None
    note: str
    said: str | None
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class Invoked:
    """A Lambda function's answer: its payload, or its error, and how long it took."""

    payload: Any = None
    error: str | None = None
    seconds: float = 0.0


class Functions(Protocol):
    def invoke(self, function_arn: str, event: Mapping[str, Any], time_limit: int) -> Invoked:
        """Run the function with Connect's event; it may take longer than `time_limit` (the caller of
        this port decides what that means)."""
        ...


class Clock:
    """Simulated time: what the caller would have spent, advanced by the actions, never slept."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.elapsed = 0.0

    def advance(self, seconds: float) -> None:
        self.elapsed += max(0.0, seconds)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def at(self, elapsed: float) -> datetime:
        return self.start + timedelta(seconds=elapsed)


@dataclass
class Call:
    """What an action's handler works with."""

    flow: Flow
    contact: Contact
    world: World
    functions: Functions
    clock: Clock

    def fault(self, action: Action) -> str | None:
        """The error a system failure makes the action take (None: it works), as the world decides
        among the action's declared errors."""
        errors = tuple(e for e in action.declared_errors if e not in NOT_FAULTS)
        if not errors:
            return None
        chosen = self.world.choose(Decision(FAULT, action, (OK, *errors)))
        return None if chosen == OK else chosen

    def next(self, action: Action, note: str = "", **done: Any) -> Result:
        """Leave by NextAction; an action without one ends the call (Connect hangs up)."""
        if action.next_action is None:
            ending = f"{note}; no NextAction: Connect ends the call".lstrip("; ")
            return Result("next", None, End.DISCONNECTED, ending, **done)
        return Result("next", action.next_action, note=note, **done)

    def error(self, action: Action, error_type: str, note: str = "", **done: Any) -> Result:
        target = action.error_target(error_type)
        if target is None:
            raise FlowError(f"{action.identifier}: {error_type} has no branch, nor NoMatchingError")
        return Result(f"error:{error_type}", target, note=note, **done)

    def condition(self, action: Action, condition: Condition, note: str = "", **done: Any) -> Result:
        return Result(f"condition:{','.join(condition.operands)}", condition.target, note=note, **done)

    def ended(self, action: Action, end: End, note: str, **done: Any) -> Result:
        return Result("end", None, end, note, **done)

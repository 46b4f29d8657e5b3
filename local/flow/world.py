"""The world a simulated call meets: what the caller does and what the systems around the flow do.

An action that can turn out more than one way asks the world, naming the ways it knows (a `Decision`):
the intake answers, fails or is too slow; the queue takes the call or is at capacity; the backup
number talks to the caller or fails; a message, an attribute, a queue cannot be set. The caller is
asked separately what keys they press, and whether they hang up before an action. `Script` is the
world of one call as `python -m local call`'s flags describe it; local/flow/paths.py answers every way
in turn to walk every path of the flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from local.flow.model import Action, FlowError

# Decision kinds, and the ways each can turn out.
FAULT = "fault"  # an action with error branches, run by Connect: "ok", or one of its declared errors
INVOKE = "invoke"  # a Lambda function: it answers, fails, or answers after the block's time limit
INVOKE_OPTIONS = ("ok", "error", "timeout")
QUEUE = "queue"  # TransferContactToQueue: the queue takes the contact, or cannot
QUEUED = "queued"
QUEUE_OPTIONS = (QUEUED, "QueueAtCapacity", "NoMatchingError")
BACKUP = "backup"  # TransferParticipantToThirdParty: the person answers (and the call ends with them, or
# they hang up first and the caller comes back to the flow), or the call fails, or nobody answers
TALKED, RETURNED = "talked", "returned"
BACKUP_OPTIONS = (TALKED, RETURNED, "CallFailed", "ConnectionTimeLimitExceeded", "NoMatchingError")
OK = "ok"
SUCCESSES = frozenset({OK, QUEUED, TALKED, RETURNED})
KEYS = "0123456789*#"


@dataclass(frozen=True)
class Decision:
    kind: str
    action: Action
    options: tuple[str, ...]


class World(Protocol):
    def choose(self, decision: Decision) -> str:
        """One of `decision.options`."""
        ...

    def keys(self, action: Action, expected: tuple[str, ...]) -> str | None:
        """What the caller presses when `action` asks (None: nothing before its time limit); `expected`
        are the inputs the flow tells apart."""
        ...

    def hangs_up(self, action: Action) -> bool:
        """Whether the caller hangs up as the flow reaches `action`."""
        ...


@dataclass
class Script:
    """One call's world, fixed in advance (the CLI's flags). Whatever it does not mention goes well."""

    intake: str = OK  # every Lambda invocation: ok | error | timeout
    queue_full: int | None = 0  # how many transfers the queue refuses at capacity (None: every one)
    presses: str | None = None  # what the caller presses whenever the flow asks (None: nothing)
    backup: str = TALKED  # what the backup number does: one of BACKUP_OPTIONS
    failing: Mapping[str, str] = field(default_factory=dict)  # action -> the error it fails with ("": any)
    hang_up_at: str | None = None  # the action the caller hangs up before
    transfers: int = 0  # transfers to the queue tried so far

    def __post_init__(self) -> None:
        if self.intake not in INVOKE_OPTIONS:
            raise ValueError(f"intake {self.intake!r}: one of {', '.join(INVOKE_OPTIONS)}")
        if self.backup not in BACKUP_OPTIONS:
            raise ValueError(f"backup {self.backup!r}: one of {', '.join(BACKUP_OPTIONS)}")
        if self.presses is not None and (not self.presses or set(self.presses) - set(KEYS)):
            raise ValueError(f"keys {self.presses!r}: digits, * and # only")

    def choose(self, decision: Decision) -> str:
        action = decision.action
        failure = self.failing.get(action.identifier)
        if failure is not None:
            failures = [o for o in decision.options if o not in SUCCESSES]
            if failure and failure not in failures:
                raise FlowError(
                    f"{action.identifier} cannot fail with {failure}; it can: {', '.join(failures)}"
                )
            return failure or failures[0]
        match decision.kind:
            case "invoke":
                return self.intake
            case "queue":
                self.transfers += 1
                refused = self.queue_full is None or self.transfers <= self.queue_full
                return "QueueAtCapacity" if refused else QUEUED
            case "backup":
                return self.backup
        return decision.options[0]

    def keys(self, action: Action, expected: tuple[str, ...]) -> str | None:
        return self.presses

    def hangs_up(self, action: Action) -> bool:
        return action.identifier == self.hang_up_at

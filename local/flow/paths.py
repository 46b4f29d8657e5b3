"""Every path of a flow, with every fault, enumerated from the flow itself.

The walk starts at StartAction with a fresh contact and, at each action, takes every way the action can
turn out: every error branch it declares (a message that cannot play, a queue that cannot be set, the
queue at capacity, the backup number failing), the intake answering, failing or timing out, every input
the flow tells apart and one it does not (and nothing at all), and whatever the conditions then decide.
Loops run to their count, as Connect's do. Two paths that reach the same action with the same contact
(attributes, $.External, stored input, queue, loop counts) go the same way from there, so the second
is not walked again: the walk visits each such state once, and so ends, and still covers every path.

A path ends in a queue, at the backup number, or with the flow ending the call; one that comes back to
a state it already passed is a retry cycle. The check (`Exploration.problems`) wants every end to be a
human (a queue, the backup number); every cycle to say something to the caller (no silent spin) and to
be one the caller can leave for a human when the world allows (a queue that takes the call again, a
queue that can be set again); and the flow to be valid on every path (no error without a branch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from local.flow.contact import Contact
from local.flow.model import Action, Flow, FlowError
from local.flow.runner import check, execute
from local.flow.steps import HUMAN_ENDS, Call, Clock, End, Functions, Result
from local.flow.world import KEYS, Decision

SPEAKING = frozenset({"MessageParticipant", "GetParticipantInput"})
NOTHING = ""  # the caller presses nothing
State = tuple[str, tuple[object, ...]]  # an action, and the contact's state as the flow reaches it


@dataclass(frozen=True)
class Move:
    """One action on a path: which way the world went (the choices) and where the action led."""

    action: str
    type: str
    choices: tuple[str, ...]
    branch: str
    speaks: bool  # a prompt: the caller hears something, or would if it could play

    def __str__(self) -> str:
        how = f"[{', '.join(self.choices)}]" if self.choices else ""
        return f"{self.action}{how} --{self.branch}-->"


def _trail(moves: tuple[Move, ...]) -> str:
    return " ".join(str(move) for move in moves)


@dataclass(frozen=True)
class Ending:
    end: End | None  # None: the flow is invalid on this path
    reason: str
    path: tuple[Move, ...]
    contact: Contact | None = None

    def describe(self) -> str:
        return f"{self.end or 'INVALID'}: {self.reason}\n    from the start: {_trail(self.path)}"


@dataclass(frozen=True)
class Cycle:
    moves: tuple[Move, ...]  # from the state met again, around to it
    path: tuple[Move, ...]  # from the start
    state: State

    @property
    def says_something(self) -> bool:
        return any(move.speaks for move in self.moves)

    def describe(self, leaves_for_a_human: bool) -> str:
        faults = [] if self.says_something else ["says nothing to the caller"]
        if not leaves_for_a_human:
            faults.append("can never be left for a queue or the backup number")
        loop = f"a cycle that {' and '.join(faults)}: {_trail(self.moves)}"
        return f"{loop}\n    from the start: {_trail(self.path)}"


@dataclass
class Exploration:
    endings: list[Ending] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)  # actions
    taken: set[tuple[str, str]] = field(default_factory=set)  # (action, the action it led to)
    tried: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)  # (action, the world's choices)
    graph: dict[State, set[State]] = field(default_factory=dict)  # every state walked, and where to
    human: set[State] = field(default_factory=set)  # states with a way straight to a human end

    @property
    def states(self) -> int:
        return len(self.graph)

    def problems(self) -> list[str]:
        """Every path that does not end with a human, every cycle that spins in silence or that no way
        of the world ever leaves for a human, every path on which the flow is invalid."""
        found = [e.describe() for e in self.endings if e.end not in HUMAN_ENDS]
        reach = self.reaching_a_human()
        for cycle in self.cycles:
            if not cycle.says_something or cycle.state not in reach:
                found.append(cycle.describe(cycle.state in reach))
        return found

    def reaching_a_human(self) -> set[State]:
        """The states from which some way of the world leads to a queue or the backup number."""
        reach = set(self.human)
        changed = True
        while changed:
            changed = False
            for state, after in self.graph.items():
                if state not in reach and after & reach:
                    reach.add(state)
                    changed = True
        return reach

    def ends(self, end: End) -> list[Ending]:
        return [e for e in self.endings if e.end is end]


class _Replay:
    """A world that replays a prefix of choices and then takes each decision's first option, noting
    every decision it met, so that the other options can be replayed in turn."""

    def __init__(self, prefix: tuple[str, ...]) -> None:
        self.prefix = prefix
        self.made: list[tuple[tuple[str, ...], str]] = []

    def _pick(self, options: tuple[str, ...]) -> str:
        index = len(self.made)
        chosen = self.prefix[index] if index < len(self.prefix) else options[0]
        self.made.append((options, chosen))
        return chosen

    def choose(self, decision: Decision) -> str:
        return self._pick(decision.options)

    def keys(self, action: Action, expected: tuple[str, ...]) -> str | None:
        return self._pick(inputs(expected)) or None

    def hangs_up(self, action: Action) -> bool:
        return False  # a caller hanging up ends the call their way: no path of the flow's to check


def inputs(expected: tuple[str, ...]) -> tuple[str, ...]:
    """What a caller may press where the flow tells `expected` apart: each of them, the first key of
    each (a caller who stopped halfway), one key it does not expect, and nothing."""
    halves = tuple(e[:1] for e in expected if len(e) > 1)
    other = next(k for k in KEYS if k not in expected and k not in halves)
    return tuple(dict.fromkeys((*expected, *halves, other, NOTHING)))


def successors(
    flow: Flow, action: Action, contact: Contact, functions: Functions
) -> list[tuple[tuple[str, ...], Result, Contact]]:
    """Every way `action` can turn out for `contact`: (the choices, the result, the contact after)."""
    found = []
    pending: list[tuple[str, ...]] = [()]
    while pending:
        prefix = pending.pop()
        world = _Replay(prefix)
        after = contact.copy()
        result = execute(action, Call(flow, after, world, functions, Clock(datetime.now(UTC))))
        made = world.made
        for index in range(len(prefix), len(made)):
            options, _ = made[index]
            chosen = tuple(choice for _, choice in made[:index])
            pending.extend((*chosen, option) for option in options[1:])
        found.append((tuple(choice for _, choice in made), result, after))
    return found


def explore(flow: Flow, contact: Callable[[], Contact], functions: Functions) -> Exploration:
    """Walk every path of `flow` from a contact made by `contact`, with every fault (see the module)."""
    check(flow)
    exploration = Exploration()
    on_path: dict[State, int] = {}
    trail: list[Move] = []

    def visit(identifier: str, current: Contact) -> None:
        key: State = (identifier, current.state())
        if key in on_path:
            exploration.cycles.append(Cycle(tuple(trail[on_path[key] :]), tuple(trail), key))
            return
        if key in exploration.graph:
            return  # walked already from another path: it goes the same way from here
        on_path[key] = len(trail)
        exploration.graph[key] = set()
        exploration.visited.add(identifier)
        action = flow.actions[identifier]
        try:
            outcomes = successors(flow, action, current, functions)
        except FlowError as error:
            exploration.endings.append(Ending(None, str(error), tuple(trail)))
            outcomes = []
        for choices, result, after in outcomes:
            trail.append(Move(identifier, action.type, choices, result.branch, action.type in SPEAKING))
            exploration.tried.add((identifier, choices))
            if result.end is not None or result.target is None:
                end = result.end or End.DISCONNECTED
                exploration.endings.append(Ending(end, result.note, tuple(trail), after))
                if end in HUMAN_ENDS:
                    exploration.human.add(key)
            else:
                exploration.taken.add((identifier, result.target))
                exploration.graph[key].add((result.target, after.state()))
                visit(result.target, after)
            trail.pop()
        del on_path[key]

    visit(flow.start, contact())
    return exploration

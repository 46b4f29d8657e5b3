"""A flow in Amazon Connect's flow language, read: its actions, and each action's ways out.

An action leaves by its `NextAction`, by the first of its `Conditions` that holds, or by one of its
`Errors`; an error type with no branch of its own takes `NoMatchingError`'s, Connect's catch-all. The
parser checks what Connect checks before it accepts a flow (a known version, a start, unique
identifiers, every transition leading to an action), so a flow that runs here is one Connect would take.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

VERSION = "2019-10-30"
CATCH_ALL = "NoMatchingError"


class FlowError(ValueError):
    """The flow cannot run as written: a transition to nowhere, an error with no branch, a parameter
    Connect would refuse. Never a reason to skip a step: the simulation stops and says why."""


class UnknownAction(FlowError):
    """An action type the runner does not simulate: an error naming it, never a step skipped."""

    def __init__(self, identifier: str, type_: str) -> None:
        super().__init__(
            f"action {identifier!r} is a {type_!r}, which the local flow runner does not simulate "
            "(add a handler in local/flow/actions.py)"
        )
        self.identifier = identifier
        self.type = type_


@dataclass(frozen=True)
class Condition:
    operator: str
    operands: tuple[str, ...]
    target: str


@dataclass(frozen=True)
class Action:
    identifier: str
    type: str
    parameters: Mapping[str, Any]
    next_action: str | None
    errors: tuple[tuple[str, str], ...]  # (ErrorType, target), in the file's order
    conditions: tuple[Condition, ...]

    def error_target(self, error_type: str) -> str | None:
        """Where `error_type` leads: its own branch, else NoMatchingError's; None: nowhere."""
        branches = dict(self.errors)
        return branches.get(error_type, branches.get(CATCH_ALL))

    @property
    def declared_errors(self) -> tuple[str, ...]:
        return tuple(error for error, _ in self.errors)

    def ways_out(self) -> Iterator[tuple[str, str]]:
        """(how, target) for each transition: "next", "error:<type>" or "condition:<operands>"."""
        if self.next_action is not None:
            yield "next", self.next_action
        for error, target in self.errors:
            yield f"error:{error}", target
        for condition in self.conditions:
            yield f"condition:{','.join(condition.operands)}", condition.target


@dataclass(frozen=True)
class Flow:
    start: str
    actions: Mapping[str, Action]
    name: str = ""

    @classmethod
    def parse(cls, document: Any) -> Flow:
        """A flow from its JSON document; FlowError naming what Connect would refuse."""
        if not isinstance(document, Mapping):
            raise FlowError("a flow is a JSON object")
        if document.get("Version") != VERSION:
            raise FlowError(f"flow language version {document.get('Version')!r}; Connect takes {VERSION!r}")
        items = document.get("Actions")
        if not isinstance(items, list) or not items:
            raise FlowError("a flow needs a list of Actions")
        actions: dict[str, Action] = {}
        for item in items:
            action = _action(item)
            if action.identifier in actions:
                raise FlowError(f"two actions are called {action.identifier!r}")
            actions[action.identifier] = action
        start = document.get("StartAction")
        if start not in actions:
            raise FlowError(f"StartAction {start!r} is not an action of the flow")
        for action in actions.values():
            for how, target in action.ways_out():
                if target not in actions:
                    raise FlowError(f"{action.identifier} --{how}--> {target!r}: no such action")
        metadata = document.get("Metadata")
        name = metadata.get("name", "") if isinstance(metadata, Mapping) else ""
        return cls(start=str(start), actions=actions, name=str(name))

    def of_type(self, type_: str) -> list[Action]:
        return [action for action in self.actions.values() if action.type == type_]


def _action(item: Any) -> Action:
    if not isinstance(item, Mapping):
        raise FlowError(f"an action is a JSON object, not {item!r:.60}")
    identifier, type_ = item.get("Identifier"), item.get("Type")
    if not isinstance(identifier, str) or not identifier or not isinstance(type_, str):
        raise FlowError(f"an action needs an Identifier and a Type: {dict(item)!r:.120}")
    parameters = item.get("Parameters", {})
    transitions = item.get("Transitions", {})
    if not isinstance(parameters, Mapping) or not isinstance(transitions, Mapping):
        raise FlowError(f"{identifier}: Parameters and Transitions are objects")
    next_action = transitions.get("NextAction")
    try:
        errors = tuple((str(e["ErrorType"]), str(e["NextAction"])) for e in transitions.get("Errors", []))
        conditions = tuple(
            Condition(
                operator=str(c["Condition"]["Operator"]),
                operands=tuple(str(o) for o in c["Condition"]["Operands"]),
                target=str(c["NextAction"]),
            )
            for c in transitions.get("Conditions", [])
        )
    except (KeyError, TypeError) as error:
        raise FlowError(f"{identifier}: an Error or Condition without its {error}") from None
    return Action(
        identifier=identifier,
        type=type_,
        parameters=parameters,
        next_action=str(next_action) if next_action is not None else None,
        errors=errors,
        conditions=conditions,
    )

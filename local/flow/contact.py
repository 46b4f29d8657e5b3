"""A simulated contact: what Connect knows about the call while the flow runs, as the flow's JSONPath
references read it ($.Attributes.x, $.External.x, $.CustomerEndpoint.Address, $.StoredCustomerInput …),
and the event Connect sends a Lambda function from it (the shape of events/connect/contact-flow.json)."""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from infra.definitions import ROOT
from local.flow.model import FlowError

CONNECT_EVENT = ROOT / "events" / "connect" / "contact-flow.json"
# Connect routes contacts of lower numbers first; a contact nobody changed has 5.
DEFAULT_QUEUE_PRIORITY = 5
REFERENCE = re.compile(r"\$\.[A-Za-z]\w*(?:\.[\w-]+)*")


class UnknownReference(FlowError):
    """A JSONPath the runner cannot read: an error naming it, never an empty value in its place."""


@cache
def _sample() -> dict[str, Any]:
    sample: dict[str, Any] = json.loads(CONNECT_EVENT.read_text(encoding="utf-8"))
    return sample


@dataclass
class Contact:
    """One call's contact. Everything the flow can change is compared by `state()`."""

    contact_id: str
    caller: str | None  # the caller's number (None: withheld)
    dialled: str
    instance_arn: str
    channel: str = "VOICE"
    language: str = "id-ID"
    attributes: dict[str, str] = field(default_factory=dict)
    external: dict[str, Any] = field(default_factory=dict)  # the last Lambda function's answer
    stored_input: str | None = None  # $.StoredCustomerInput
    queue_arn: str | None = None  # the working queue (UpdateContactTargetQueue)
    queue_priority: int = DEFAULT_QUEUE_PRIORITY
    queue_time_adjustment: int = 0
    voice: tuple[str, str] | None = None  # (voice, engine) text-to-speech speaks with
    logging: bool = False
    loops: dict[str, int] = field(default_factory=dict)  # Loop action -> times it said ContinueLooping

    @classmethod
    def inbound(cls, caller: str | None, contact_id: str | None = None) -> Contact:
        """A 112 call to the number and instance of the sample event (events/connect/contact-flow.json)."""
        data = _sample()["Details"]["ContactData"]
        return cls(
            contact_id=contact_id or str(uuid.uuid4()),
            caller=caller,
            dialled=str(data["SystemEndpoint"]["Address"]),
            instance_arn=str(data["InstanceARN"]),
        )

    def state(self) -> tuple[Any, ...]:
        """What the rest of the flow depends on, hashable: two contacts with the same state at the same
        action go the same way whatever happened before."""
        return (
            tuple(sorted(self.attributes.items())),
            json.dumps(self.external, sort_keys=True),
            self.stored_input,
            self.queue_arn,
            self.queue_priority,
            self.queue_time_adjustment,
            self.voice,
            self.logging,
            tuple(sorted(self.loops.items())),
        )

    def copy(self) -> Contact:
        return copy.deepcopy(self)

    # -- the flow's JSONPath references ----------------------------------------------------------------

    def resolve(self, reference: str) -> Any:
        """The value a reference names, None when the contact has none; UnknownReference for a namespace
        this runner does not know."""
        if not REFERENCE.fullmatch(reference):
            raise UnknownReference(f"{reference!r} is not a JSONPath reference of the flow language")
        namespace, *keys = reference[2:].split(".")
        endpoint = {"Address": self.caller, "Type": "TELEPHONE_NUMBER"} if self.caller else None
        queue = self._queue()
        roots: dict[str, Any] = {
            "Attributes": self.attributes,
            "External": self.external,
            "CustomerEndpoint": endpoint,
            "SystemEndpoint": {"Address": self.dialled, "Type": "TELEPHONE_NUMBER"},
            "Queue": queue,
            "ContactId": self.contact_id,
            "InitialContactId": self.contact_id,
            "Channel": self.channel,
            "InstanceARN": self.instance_arn,
            "LanguageCode": self.language,
            "StoredCustomerInput": self.stored_input,
        }
        if namespace not in roots:
            raise UnknownReference(f"{reference}: the runner knows {', '.join('$.' + r for r in roots)}")
        value = roots[namespace]
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    def _queue(self) -> dict[str, str] | None:
        return {"ARN": self.queue_arn, "Name": self.queue_arn.rsplit("/", 1)[-1]} if self.queue_arn else None

    def value(self, parameter: Any) -> Any:
        """A parameter as the action reads it: a whole-value reference is looked up, anything else is
        static."""
        if isinstance(parameter, str) and REFERENCE.fullmatch(parameter):
            return self.resolve(parameter)
        return parameter

    def fill(self, text: str) -> str:
        """Text to say with the references it holds filled in (a missing value says nothing)."""

        def one(match: re.Match[str]) -> str:
            value = self.resolve(match.group(0))
            return "" if value is None else str(value)

        return REFERENCE.sub(one, text)

    # -- what a Lambda function receives ---------------------------------------------------------------

    def lambda_event(self, parameters: Mapping[str, str]) -> dict[str, Any]:
        """Connect's event for the Invoke AWS Lambda function block: the contact as it is now and the
        block's LambdaInvocationAttributes as Details.Parameters."""
        event = copy.deepcopy(_sample())
        data = event["Details"]["ContactData"]
        data.update(
            Attributes=dict(self.attributes),
            Channel=self.channel,
            ContactId=self.contact_id,
            InitialContactId=self.contact_id,
            PreviousContactId=self.contact_id,
            CustomerEndpoint={"Address": self.caller, "Type": "TELEPHONE_NUMBER"} if self.caller else None,
            SystemEndpoint={"Address": self.dialled, "Type": "TELEPHONE_NUMBER"},
            InstanceARN=self.instance_arn,
            LanguageCode=self.language,
            Queue=self._queue(),
        )
        data.get("Tags", {})["aws:connect:systemEndpoint"] = self.dialled
        event["Details"]["Parameters"] = dict(parameters)
        return event

"""The Amazon Connect contact-flow event, parsed tolerantly.

Powertools' ConnectContactFlowEvent raises on channels and initiation methods it does not know (TASK,
EMAIL, QUEUE_TRANSFER, …) and when MediaStreams is absent. A 112 call must never fail because Connect
sent something new or left something out, so this model accepts any JSON object: every field is
optional, a value of the wrong type is treated as missing, and unknown keys are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from core.contacts import contact_dedupe_key
from core.incidents import SYSTEM_INTAKE, Report
from core.models import Channel

MAX_SOURCE_ATTRIBUTES = 20
MAX_SOURCE_VALUE = 256
MAX_FLOW_EVENT = 32


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _object(value: Any) -> Any:
    return value if isinstance(value, dict) else None


Text = Annotated[str | None, BeforeValidator(_text)]
StrMap = Annotated[dict[str, Any], BeforeValidator(_mapping)]


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Endpoint(_Tolerant):
    address: Text = Field(default=None, alias="Address")
    type: Text = Field(default=None, alias="Type")


class ContactData(_Tolerant):
    contact_id: Text = Field(default=None, alias="ContactId")
    initial_contact_id: Text = Field(default=None, alias="InitialContactId")
    previous_contact_id: Text = Field(default=None, alias="PreviousContactId")
    channel: Text = Field(default=None, alias="Channel")
    initiation_method: Text = Field(default=None, alias="InitiationMethod")
    instance_arn: Text = Field(default=None, alias="InstanceARN")
    language_code: Text = Field(default=None, alias="LanguageCode")
    customer_endpoint: Annotated[Endpoint | None, BeforeValidator(_object)] = Field(
        default=None, alias="CustomerEndpoint"
    )
    system_endpoint: Annotated[Endpoint | None, BeforeValidator(_object)] = Field(
        default=None, alias="SystemEndpoint"
    )
    attributes: StrMap = Field(default_factory=dict, alias="Attributes")


class Details(_Tolerant):
    contact_data: Annotated[ContactData, BeforeValidator(_mapping)] = Field(
        default_factory=ContactData, alias="ContactData"
    )
    parameters: StrMap = Field(default_factory=dict, alias="Parameters")


class ContactFlowEvent(_Tolerant):
    details: Annotated[Details, BeforeValidator(_mapping)] = Field(default_factory=Details, alias="Details")

    @classmethod
    def parse(cls, event: Any) -> ContactFlowEvent:
        """Never raises: anything that is not a JSON object is an event with nothing in it."""
        try:
            return cls.model_validate(event if isinstance(event, Mapping) else {})
        except ValidationError:  # pragma: no cover - every field above accepts any value
            return cls()

    @property
    def contact(self) -> ContactData:
        return self.details.contact_data

    def caller(self) -> str | None:
        """The caller's number: the customer endpoint, else a `caller` parameter set in the flow."""
        endpoint = self.contact.customer_endpoint
        if endpoint and endpoint.address:
            return endpoint.address
        return _text(self.details.parameters.get("caller"))

    def dedupe_key(self) -> str | None:
        """One incident per call: Connect retries reuse the ContactId, transfers keep the InitialContactId;
        an operator opening the call's incident by hand uses the same key (core.contacts)."""
        contact_id = self.contact.initial_contact_id or self.contact.contact_id
        return contact_dedupe_key(contact_id) if contact_id else None

    def flow_event(self) -> str | None:
        """What the flow says happened when it invokes the intake again (`event`, a parameter of the
        block, e.g. CANNOT_SPEAK); None on the first invocation, which registers the call."""
        value = _text(self.details.parameters.get("event"))
        return value[:MAX_FLOW_EVENT].upper() if value else None

    def channel(self) -> Channel:
        return {"VOICE": Channel.VOICE, "CHAT": Channel.CHAT}.get(
            (self.contact.channel or "").upper(), Channel.OTHER
        )

    def source(self) -> dict[str, str]:
        contact = self.contact
        source = {
            "connectChannel": contact.channel,
            "initiationMethod": contact.initiation_method,
            "instanceArn": contact.instance_arn,
            "dialledNumber": contact.system_endpoint.address if contact.system_endpoint else None,
            "languageCode": contact.language_code,
            "initialContactId": contact.initial_contact_id,
        }
        for key, value in list(contact.attributes.items())[:MAX_SOURCE_ATTRIBUTES]:
            source[f"attribute.{key}"[:64]] = _text(value)
        return {k: v[:MAX_SOURCE_VALUE] for k, v in source.items() if v}

    def to_report(self) -> Report:
        return Report(
            channel=self.channel(),
            actor=SYSTEM_INTAKE,
            caller=self.caller(),
            dedupe_key=self.dedupe_key(),
            contact_id=self.contact.contact_id,
            source=self.source(),
        )

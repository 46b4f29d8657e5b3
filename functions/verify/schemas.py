"""Request and response bodies of the operators' API (camelCase JSON)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from core.models import (
    Agency,
    CamelModel,
    Category,
    Channel,
    LocationInput,
    Priority,
    Rejection,
    RequestModel,
)
from core.phone import E164

Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class RejectRequest(Rejection):
    """Rejection as an operator sends it."""

    model_config = ConfigDict(extra="forbid")


class ManualChannel(StrEnum):
    """The channels an operator can open an incident for by hand (a subset of core.models.Channel)."""

    WALK_IN = Channel.WALK_IN.value
    RADIO = Channel.RADIO.value
    OTHER = Channel.OTHER.value


class OpenIncidentRequest(RequestModel):
    """An incident an operator opens by hand: someone walked in, a radio call, a call on another line."""

    channel: ManualChannel
    summary: Summary
    caller: E164 | None = Field(default=None, description="Call-back number, E.164 or local form")
    location: LocationInput | None = None
    client_request_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = Field(
        default=None, description="Sent again on a retry, it returns the incident the first request opened"
    )


class VerifyRequest(RequestModel):
    """Grade A1: a confirmed emergency, forwarded to the agencies."""

    category: Category
    priority: Priority
    location: LocationInput
    summary: Summary
    agencies: list[Agency] | None = Field(
        default=None,
        min_length=1,
        max_length=len(Agency),
        description="Agencies to notify; by default those the routing table gives for the category",
    )


class ReassignRequest(RequestModel):
    assignee: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)] = Field(
        description="Username of the operator who takes the incident over"
    )


class AcknowledgeRequest(RequestModel):
    note: Note | None = Field(default=None, description="Who confirmed, e.g. the officer's name and unit")


class CloseRequest(RequestModel):
    note: Note = Field(description="The outcome")


class Me(CamelModel):
    username: str
    groups: list[str]


class ErrorDetail(CamelModel):
    loc: list[str | int] = Field(description="Where: body, query or path, then the field")
    type: str
    msg: str = Field(description="What is wrong, for a person")


class ErrorBody(CamelModel):
    status_code: int
    message: str
    code: str | None = Field(
        default=None, description="On 409: ILLEGAL_TRANSITION, CLAIMED_BY_OTHER (see assignedTo) or CONFLICT"
    )
    assigned_to: str | None = Field(default=None, description="On CLAIMED_BY_OTHER: who holds the incident")
    detail: list[ErrorDetail] | None = Field(default=None, description="On 422: each field and its problem")

"""Request and response bodies of the operators' API (camelCase JSON)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from core.models import Agency, CamelModel, Category, Channel, Location, Priority, RequestModel
from core.phone import E164

Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class OpenIncidentRequest(RequestModel):
    """An incident an operator opens by hand: someone walked in, a radio call, a call on another line."""

    channel: Literal[Channel.WALK_IN, Channel.RADIO, Channel.OTHER]
    summary: Summary
    caller: E164 | None = Field(default=None, description="Call-back number, E.164 or local form")
    location: Location | None = None
    client_request_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = Field(
        default=None, description="Sent again on a retry, it returns the incident the first request opened"
    )


class VerifyRequest(RequestModel):
    """Grade A1: a confirmed emergency, forwarded to the agencies."""

    category: Category
    priority: Priority
    location: Location
    summary: Summary
    agencies: list[Agency] | None = Field(
        default=None,
        min_length=1,
        max_length=len(Agency),
        description="Agencies to notify; by default those the routing table gives for the category",
    )


class AcknowledgeRequest(RequestModel):
    note: Note | None = Field(default=None, description="Who confirmed, e.g. the officer's name and unit")


class CloseRequest(RequestModel):
    note: Note = Field(description="The outcome")


class Me(CamelModel):
    username: str
    groups: list[str]


class ErrorBody(CamelModel):
    status_code: int
    message: str

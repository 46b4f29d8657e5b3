"""POST /aml: a handset's Advanced Mobile Location, as ELS HTTPS name-value pairs or as an AML SMS relayed by
our SMS gateway (JSON).

Trusted by the shared AML token (`Authorization: Bearer …` or `?token=`), then archived, then read
(intake/aml_message.py): the fix attaches to the caller's 112-call incident or waits for the call
(core/positions.py). A well-formed message always gets a 2xx, as the specification asks.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field, ValidationError

from core.clock import utc_now
from core.http import error_response
from core.observability import logger
from intake.aml_message import AmlFormatError, AmlMessage, parse_https, parse_sms
from intake.routes.request import Ports, PublicRequest, ReadBody, Refusal, Refused, json_content
from intake.signatures import token_valid

router = Router()
NO_TOKEN = Refusal(HTTPStatus.UNAUTHORIZED, "an AML sender must present the shared token", reason="token")
# ELS HTTPS sends these name-value pairs, every one optional (intake/aml_message.py).
FORM_FIELDS = (
    "v",
    "emergency_number",
    "source",
    "time",
    "location_latitude",
    "location_longitude",
    "location_time",
    "location_accuracy",
    "location_source",
    "location_confidence",
    "device_number",
    "device_imei",
)


class SmsRelay(BaseModel):
    """An AML SMS as our SMS gateway relays it."""

    sender: str = Field(alias="from", min_length=3, max_length=32, description="The handset's number")
    text: str = Field(min_length=5, max_length=320, description='The SMS body: A"ML=1;…')


READ_BODIES = (
    ReadBody(
        "/aml",
        "post",
        {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": {f: {"type": "string"} for f in FORM_FIELDS}}
            },
            **json_content(SmsRelay),
        },
        (SmsRelay,),
    ),
)


@router.post(
    "/aml",
    tags=["aml"],
    summary="A handset's position: ELS HTTPS (form) or a relayed AML SMS (JSON); token required",
    responses={
        200: {
            "description": "Received. outcome: ATTACHED (on the caller's 112-call incident), "
            "SUPERSEDED (that incident has a newer or finer fix), KEPT (30 minutes, for the call), "
            "UNMATCHABLE, NO_POSITION, or DISCARDED (ELS HTTPS without a usable position: still 2xx)"
        },
        401: {"description": "Missing or wrong token"},
    },
)
def aml(token: Annotated[str | None, Query(max_length=256)] = None) -> Response[Any]:
    current = PublicRequest(router)
    headers = current.event.headers
    bearer = (headers.get("Authorization") or "").removeprefix("Bearer ").strip() or None
    if not token_valid(bearer or token, current.ports.secrets().aml_token):
        raise Refused(NO_TOKEN)
    current.archive.keep()
    raw = current.raw
    now = utc_now()
    if (headers.get("Content-Type") or "").startswith("application/json"):
        try:
            relay = SmsRelay.model_validate_json(raw)
            message = parse_sms(relay.text, relay.sender, now)
        except ValidationError as error:
            detail = [
                {"loc": ["body", *e["loc"]], "type": e["type"], "msg": e["msg"]} for e in error.errors()
            ]
            return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "not a relayed AML SMS", detail=detail)
        except AmlFormatError as error:
            return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, f"not a valid AML SMS: {error}")
    else:
        # ELS HTTPS: every field optional, and the sender wants 2xx even for what we discard.
        form = {key: values[0] for key, values in parse_qs(raw.decode("utf-8", "replace")).items()}
        try:
            message = parse_https(form, now)
        except AmlFormatError as error:
            logger.warning("AML HTTPS message discarded", extra={"problem": str(error)})
            return Response(
                200, content_types.APPLICATION_JSON, {"outcome": "DISCARDED", "reason": str(error)}
            )
    return _located(current.ports, message)


def _located(ports: Ports, message: AmlMessage) -> Response[Any]:
    for warning in message.warnings:
        logger.warning("AML message accepted with a warning", extra={"warning": warning})
    if message.fix is None:
        return Response(200, content_types.APPLICATION_JSON, {"outcome": "NO_POSITION"})
    result = ports.positions.receive(message.fix)
    body = {
        "outcome": result.outcome.value,
        **({"incidentId": result.incident_id} if result.incident_id else {}),
    }
    return Response(200, content_types.APPLICATION_JSON, body)

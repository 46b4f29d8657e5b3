"""/webhooks/instagram: Meta's subscription handshake (GET) and Instagram messages (POST).

A delivery is trusted by its X-Hub-Signature-256 over the raw body, then archived, then read: each message
a citizen sent becomes an incident, and its sender is asked where (Instagram sends no location). What does
not fit in the answer's time goes to intake-backlog (core/deliveries.py).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from core.deliveries import Pending
from core.http import error_response
from core.models import Channel
from intake.routes.request import DELIVERED, NOT_QUEUED, PublicRequest, ReadBody, Unreadable, json_content
from intake.signatures import meta_signature_valid, token_valid
from intake.webhook_payloads import InstagramWebhook, instagram_reports

router = Router()
SIGNATURE = "X-Hub-Signature-256"
READ_BODIES = (ReadBody("/webhooks/instagram", "post", json_content(InstagramWebhook), (InstagramWebhook,)),)


@router.get(
    "/webhooks/instagram",
    tags=["webhooks"],
    summary="Meta's subscription handshake: echo hub.challenge when hub.verify_token is ours",
    responses={
        200: {"description": "hub.challenge, as text/plain", "content": {"text/plain": {"schema": {}}}},
        403: {"description": "Not our verify token"},
    },
)
def instagram_handshake(
    mode: Annotated[str, Query(alias="hub.mode", max_length=32)],
    verify_token: Annotated[str, Query(alias="hub.verify_token", max_length=256)],
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=256)],
) -> Response[Any]:
    secrets = PublicRequest(router).ports.secrets()
    if mode != "subscribe" or not token_valid(verify_token, secrets.instagram_verify_token):
        return error_response(HTTPStatus.FORBIDDEN, "hub.mode must be subscribe and hub.verify_token ours")
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=challenge)


@router.post(
    "/webhooks/instagram",
    tags=["webhooks"],
    summary="Instagram messages (X-Hub-Signature-256 required)",
    responses={
        200: {"description": DELIVERED},
        401: {"description": "Signature missing or forged"},
        400: {"description": "Signed, but not a payload we can read (kept for an operator)"},
        503: {"description": NOT_QUEUED},
    },
)
def instagram_messages() -> Response[Any]:
    current = PublicRequest(router)
    payload = current.signed_payload(
        InstagramWebhook,
        Channel.INSTAGRAM,
        signature=SIGNATURE,
        valid=meta_signature_valid,
        secret=current.ports.secrets().instagram_app_secret,
    )
    if payload.object != "instagram":
        raise Unreadable(Channel.INSTAGRAM, f"object is {payload.object!r}, this endpoint takes instagram")
    return current.deliver([Pending(report, sender) for report, sender in instagram_reports(payload)])

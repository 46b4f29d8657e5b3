"""/webhooks/twitter: X's challenge-response check (GET) and Account Activity events (POST).

A delivery is trusted by its x-twitter-webhooks-signature over the raw body and by being a JSON object (the
CRC signs anything else for anyone), then archived, then read: direct messages to the account and posts
that mention it become incidents. What does not fit in the answer's time goes to intake-backlog.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel

from core.deliveries import Pending
from core.http import error_response
from core.models import Channel
from intake.routes.request import DELIVERED, NOT_QUEUED, PublicRequest, ReadBody, Refusal, json_content
from intake.signatures import x_crc_response, x_signature_valid
from intake.webhook_payloads import TwitterWebhook, twitter_reports

router = Router()
SIGNATURE = "x-twitter-webhooks-signature"
# No brace, bracket or quote: nothing the CRC signs is a JSON object or array (NOT_AN_OBJECT relies on it).
CRC_TOKEN_PATTERN = r"^[A-Za-z0-9+/=_.~-]+$"  # noqa: S105 - a pattern, not a secret
# The CRC (GET) hands anyone HMAC(consumer secret, token) for any token: a valid signature over a body
# equal to such a token. Tokens hold no brace, so a body that is not a JSON object proves nothing about its
# sender and creates nothing; X only ever sends objects.
NOT_AN_OBJECT = Refusal(
    HTTPStatus.BAD_REQUEST,
    "the body is not an X Account Activity JSON object",
    reason="not an Account Activity object",
)
READ_BODIES = (ReadBody("/webhooks/twitter", "post", json_content(TwitterWebhook), (TwitterWebhook,)),)


class CrcAnswer(BaseModel):
    response_token: str


@router.get(
    "/webhooks/twitter",
    tags=["webhooks"],
    summary="X's challenge-response check (CRC)",
    responses={200: {"description": "The response token"}, 503: {"description": "Not configured yet"}},
)
def twitter_crc(
    # The CRC signs what it is given with the key that signs POST bodies: only a token's characters are
    # taken, so no JSON body (its braces and quotes) can be signed through here.
    crc_token: Annotated[str, Query(min_length=1, max_length=256, pattern=CRC_TOKEN_PATTERN)],
) -> Response[Any]:
    secret = PublicRequest(router).ports.secrets().twitter_consumer_secret
    if not secret:
        return error_response(HTTPStatus.SERVICE_UNAVAILABLE, "the X consumer secret is not configured")
    answer = CrcAnswer(response_token=x_crc_response(crc_token, secret))
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=answer.model_dump())


@router.post(
    "/webhooks/twitter",
    tags=["webhooks"],
    summary="Direct messages and mentions (x-twitter-webhooks-signature required)",
    responses={
        200: {"description": DELIVERED},
        401: {"description": "Signature missing or forged"},
        400: {"description": "Signed, but not an Account Activity JSON object: nothing is created"},
        503: {"description": NOT_QUEUED},
    },
)
def twitter_events() -> Response[Any]:
    current = PublicRequest(router)
    payload = current.signed_payload(  # TwitterWebhook takes any object: what it cannot read, it skips
        TwitterWebhook,
        Channel.TWITTER,
        signature=SIGNATURE,
        valid=x_signature_valid,
        secret=current.ports.secrets().twitter_consumer_secret,
        not_an_object=NOT_AN_OBJECT,
    )
    return current.deliver([Pending(report) for report in twitter_reports(payload)])

"""The channels' secrets (verify token, app secret, consumer secret, …), from AWS Secrets Manager through
Powertools parameters: cached for five minutes, so a rotated secret is picked up without a deployment."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities import parameters
from pydantic import Field

from core.models import CamelModel

CACHE_SECONDS = 300


class ChannelSecrets(CamelModel):
    """What proves an inbound request genuine (intake-web's secret). A key not set yet is empty, and an
    empty secret never verifies anything."""

    instagram_verify_token: str = Field(default="", description="Chosen by us, typed into Meta's dashboard")
    instagram_app_secret: str = Field(default="", description="Meta app secret: signs X-Hub-Signature-256")
    twitter_consumer_secret: str = Field(default="", description="X app consumer secret: CRC and signatures")
    aml_token: str = Field(default="", description="Shared with the AML senders (SMS gateway, ELS endpoint)")


class ReplySecrets(CamelModel):
    """What lets us write to citizens (reply-sender's secret), kept apart so that the sender cannot
    forge an inbound request and intake-web cannot post as the regency."""

    instagram_page_access_token: str = Field(default="", description="Sends replies (Graph API)")


def load_channel_secrets(name: str) -> ChannelSecrets:
    value: Any = parameters.get_secret(name, transform="json", max_age=CACHE_SECONDS)
    return ChannelSecrets.model_validate(value)


def load_reply_secrets(name: str) -> ReplySecrets:
    value: Any = parameters.get_secret(name, transform="json", max_age=CACHE_SECONDS)
    return ReplySecrets.model_validate(value)


class ResponderSecrets(CamelModel):
    """The key that signs and checks the responders' links (agency-delivery signs, agency-api checks)."""

    link_key: str = Field(default="", description="Generated at creation; replacing it voids every link")


def load_responder_secrets(name: str) -> ResponderSecrets:
    value: Any = parameters.get_secret(name, transform="json", max_age=CACHE_SECONDS)
    return ResponderSecrets.model_validate(value)

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
    # X direct messages, as the account (OAuth 1.0a user context, core/x_api.py). X's own names: the app's
    # "API Key and Secret" (its consumer key and secret, the latter also in the channel secrets) and the
    # account's "Access Token and Secret".
    x_api_key: str = Field(default="", description="X app API key (consumer key)")
    x_api_key_secret: str = Field(default="", description="X app API key secret (consumer secret)")
    x_access_token: str = Field(default="", description="The account's access token")
    x_access_token_secret: str = Field(default="", description="The account's access token secret")

    @property
    def twitter(self) -> tuple[str, str, str, str] | None:
        """The four X credentials, or None while any is not set."""
        found = (self.x_api_key, self.x_api_key_secret, self.x_access_token, self.x_access_token_secret)
        return found if all(found) else None


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

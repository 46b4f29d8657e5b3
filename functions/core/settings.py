"""Function settings: one pydantic model, read once from the environment the stack gives a function.

Every function gets the same model; a function that needs a value it was not given fails at start-up
with the variable's name (see `require`), which is how a drift between infra and code shows up.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.regency import REGENCIES, Regency, check_ack_deadlines
from core.standing import CallerPolicy


class SettingsError(RuntimeError):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    stage: str = Field(default="dev", alias="STAGE")
    region: str = Field(default="ap-southeast-1", alias="AWS_REGION")
    regency_code: str = Field(default="banyuwangi", alias="REGENCY")
    table_name: str | None = Field(default=None, alias="TABLE_NAME")
    idempotency_table_name: str | None = Field(default=None, alias="IDEMPOTENCY_TABLE_NAME")
    stats_table_name: str | None = Field(default=None, alias="STATS_TABLE_NAME")
    dispatch_queue_url: str | None = Field(default=None, alias="DISPATCH_QUEUE_URL")
    agency_topic_arn: str | None = Field(default=None, alias="AGENCY_TOPIC_ARN")
    user_pool_id: str | None = Field(default=None, alias="USER_POOL_ID")
    raw_bucket_name: str | None = Field(default=None, alias="RAW_BUCKET_NAME")
    channel_secrets_name: str | None = Field(default=None, alias="CHANNEL_SECRETS_NAME")
    reply_secrets_name: str | None = Field(default=None, alias="REPLY_SECRETS_NAME")
    reply_queue_url: str | None = Field(default=None, alias="REPLY_QUEUE_URL")
    backlog_queue_url: str | None = Field(default=None, alias="BACKLOG_QUEUE_URL")
    connect_instance_arn: str | None = Field(default=None, alias="CONNECT_INSTANCE_ARN")
    graph_api_url: str = Field(default="https://graph.facebook.com", alias="GRAPH_API_URL")
    x_api_url: str = Field(default="https://api.x.com", alias="X_API_URL")
    report_rate_limit: int = Field(default=5, ge=1, alias="REPORT_RATE_LIMIT")
    report_rate_window_seconds: int = Field(default=600, ge=10, alias="REPORT_RATE_WINDOW_SECONDS")
    # Longer than the dispatch queue's visibility timeout (120 s): a request still being retried by SQS
    # is not re-queued beside itself.
    dispatch_grace_seconds: int = Field(default=180, ge=5, alias="DISPATCH_GRACE_SECONDS")
    cors_allow_origins: str | None = Field(default=None, alias="CORS_ALLOW_ORIGINS")  # comma-separated
    # The deployment's changes to the regency's prank policy: a JSON object of CallerPolicy's camelCase keys
    # (context callerPolicy), checked here as at synth.
    caller_policy_json: str | None = Field(default=None, alias="CALLER_POLICY")
    # How long the intake waits for the caller's history before answering NORMAL (one attempt, no retry):
    # the standing never delays a call by more than this.
    caller_lookup_timeout_ms: int = Field(default=300, ge=50, le=2000, alias="CALLER_LOOKUP_TIMEOUT_MS")
    directory_table_name: str | None = Field(default=None, alias="DIRECTORY_TABLE_NAME")
    # The key that seals the agency endpoints' shared secrets (the stack's data key).
    sealing_key_arn: str | None = Field(default=None, alias="SEALING_KEY_ARN")
    # How old the agency directory a warm environment routes and dispatches with may be: a changed number
    # or post takes effect within this many seconds, without a deploy (docs/decisions.md 45).
    directory_cache_seconds: int = Field(default=10, ge=0, le=300, alias="DIRECTORY_CACHE_SECONDS")
    # The acknowledgement deadlines, when this deployment's differ from its regency's ("P1=180,P2=600,
    # P3=1800", seconds; tests shorten them).
    ack_deadlines: str | None = Field(default=None, alias="ACK_DEADLINES")
    delivery_queue_url: str | None = Field(default=None, alias="DELIVERY_QUEUE_URL")
    responder_secrets_name: str | None = Field(default=None, alias="RESPONDER_SECRETS_NAME")
    # Where responders' page is (the panel's origin): the links in notifications open it.
    responder_page_url: str | None = Field(default=None, alias="RESPONDER_PAGE_URL")
    # The operators' API, whose /agency/status agencies' systems post statuses to (named in the record).
    public_api_url: str | None = Field(default=None, alias="PUBLIC_API_URL")
    # Local stack only: an agency endpoint on a `.localhost` host is posted to over plain HTTP on the
    # loopback (python -m local receiver). Never set in the cloud.
    # SES's verified sender of the e-mails to posts (a domain or an address verified in SES).
    agency_email_from: str | None = Field(default=None, alias="AGENCY_EMAIL_FROM")
    plain_http_localhost: bool = Field(default=False, alias="AGENCY_PLAIN_HTTP_LOCALHOST")

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip() for origin in (self.cors_allow_origins or "").split(",") if origin.strip()]

    @property
    def regency(self) -> Regency:
        try:
            return REGENCIES[self.regency_code]
        except KeyError:
            raise SettingsError(f"REGENCY={self.regency_code!r} is not one of {sorted(REGENCIES)}") from None

    @property
    def caller_policy(self) -> CallerPolicy:
        return policy_with(self.regency.caller_policy, self.caller_policy_json)

    def ack_deadlines_seconds(self) -> dict[str, int]:
        """Per priority, the seconds a post has to confirm: ACK_DEADLINES over the regency's."""
        deadlines = dict(self.regency.ack_deadline_seconds)
        if self.ack_deadlines:
            try:
                pairs = (part.split("=", 1) for part in self.ack_deadlines.split(",") if part.strip())
                deadlines |= {key.strip(): int(value) for key, value in pairs}
                check_ack_deadlines("ACK_DEADLINES", deadlines)
            except ValueError as error:
                raise SettingsError(f"ACK_DEADLINES={self.ack_deadlines!r}: {error}") from None
        return deadlines

    def require(self, field: str) -> str:
        value = getattr(self, field)
        if not value:
            alias = type(self).model_fields[field].alias
            raise SettingsError(f"environment variable {alias} is not set for this function")
        return str(value)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        names = {f.alias for f in cls.model_fields.values()}
        try:
            return cls.model_validate({k: v for k, v in env.items() if k in names})
        except ValidationError as error:
            raise SettingsError(str(error)) from error


def policy_with(base: CallerPolicy, changes: str | None) -> CallerPolicy:
    """`base` with the keys of the JSON object `changes` replaced; SettingsError naming the problem."""
    if not changes:
        return base
    try:
        override = json.loads(changes)
        if not isinstance(override, dict):
            raise SettingsError('CALLER_POLICY: a JSON object of the policy\'s keys, e.g. {"warnAfter": 3}')
        return CallerPolicy.model_validate({**base.model_dump(by_alias=True), **override})
    except ValueError as error:  # JSON and pydantic's errors both are
        raise SettingsError(f"CALLER_POLICY: {error}") from error


@functools.cache
def get_settings() -> Settings:
    return Settings.from_env()

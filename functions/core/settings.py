"""Function settings: one pydantic model, read once from the environment the stack gives a function.

Every function gets the same model; a function that needs a value it was not given fails at start-up
with the variable's name (see `require`), which is how a drift between infra and code shows up.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.regency import REGENCIES, Regency


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
    report_rate_limit: int = Field(default=5, ge=1, alias="REPORT_RATE_LIMIT")
    report_rate_window_seconds: int = Field(default=600, ge=10, alias="REPORT_RATE_WINDOW_SECONDS")
    # Longer than the dispatch queue's visibility timeout (120 s): a request still being retried by SQS
    # is not re-queued beside itself.
    dispatch_grace_seconds: int = Field(default=180, ge=5, alias="DISPATCH_GRACE_SECONDS")
    cors_allow_origins: str | None = Field(default=None, alias="CORS_ALLOW_ORIGINS")  # comma-separated

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip() for origin in (self.cors_allow_origins or "").split(",") if origin.strip()]

    @property
    def regency(self) -> Regency:
        try:
            return REGENCIES[self.regency_code]
        except KeyError:
            raise SettingsError(f"REGENCY={self.regency_code!r} is not one of {sorted(REGENCIES)}") from None

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


@functools.cache
def get_settings() -> Settings:
    return Settings.from_env()

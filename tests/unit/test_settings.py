"""Settings read from the environment: aliases, defaults, and errors that name the variable."""

from __future__ import annotations

import pytest

from core.regency import REGENCIES
from core.settings import Settings, SettingsError

FULL_ENV = {
    "STAGE": "prod",
    "AWS_REGION": "ap-southeast-3",
    "REGENCY": "banyuwangi",
    "TABLE_NAME": "respon112-prod-incidents",
    "IDEMPOTENCY_TABLE_NAME": "respon112-prod-idempotency",
    "DISPATCH_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/123456789012/dispatch",
    "AGENCY_TOPIC_ARN": "arn:aws:sns:ap-southeast-3:123456789012:agencies",
    "DISPATCH_GRACE_SECONDS": "120",
    "UNRELATED_VARIABLE": "ignored",
}


def test_from_env_reads_every_alias() -> None:
    settings = Settings.from_env(FULL_ENV)
    assert settings.stage == "prod"
    assert settings.region == "ap-southeast-3"
    assert settings.regency_code == "banyuwangi"
    assert settings.table_name == "respon112-prod-incidents"
    assert settings.idempotency_table_name == "respon112-prod-idempotency"
    assert settings.dispatch_queue_url == FULL_ENV["DISPATCH_QUEUE_URL"]
    assert settings.agency_topic_arn == FULL_ENV["AGENCY_TOPIC_ARN"]
    assert settings.dispatch_grace_seconds == 120


def test_from_env_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.stage == "dev"
    assert settings.region == "ap-southeast-1"
    assert settings.regency_code == "banyuwangi"
    assert settings.table_name is None
    assert settings.dispatch_grace_seconds == 180


def test_from_env_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "from-os-environ")
    monkeypatch.setenv("STAGE", "staging")
    settings = Settings.from_env()
    assert settings.table_name == "from-os-environ"
    assert settings.stage == "staging"


def test_python_field_names_in_the_environment_are_ignored() -> None:
    assert Settings.from_env({"table_name": "wrong-case"}).table_name is None


def test_require_returns_a_set_value() -> None:
    assert Settings.from_env(FULL_ENV).require("table_name") == "respon112-prod-incidents"


@pytest.mark.parametrize(
    ("field", "variable"),
    [
        ("table_name", "TABLE_NAME"),
        ("idempotency_table_name", "IDEMPOTENCY_TABLE_NAME"),
        ("dispatch_queue_url", "DISPATCH_QUEUE_URL"),
        ("agency_topic_arn", "AGENCY_TOPIC_ARN"),
    ],
)
def test_require_names_the_missing_variable(field: str, variable: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({}).require(field)
    assert f"environment variable {variable} is not set" in str(caught.value)


def test_require_treats_an_empty_value_as_missing() -> None:
    with pytest.raises(SettingsError, match="TABLE_NAME"):
        Settings.from_env({"TABLE_NAME": ""}).require("table_name")


def test_known_regency() -> None:
    assert Settings.from_env({"REGENCY": "banyuwangi"}).regency is REGENCIES["banyuwangi"]


def test_unknown_regency_names_the_valid_ones() -> None:
    settings = Settings.from_env({"REGENCY": "atlantis"})
    with pytest.raises(SettingsError) as caught:
        _ = settings.regency
    message = str(caught.value)
    assert "REGENCY='atlantis'" in message
    assert "banyuwangi" in message


@pytest.mark.parametrize("value", ["1", "4", "soon"])
def test_invalid_grace_period_is_a_settings_error(value: str) -> None:
    with pytest.raises(SettingsError, match="DISPATCH_GRACE_SECONDS"):
        Settings.from_env({"DISPATCH_GRACE_SECONDS": value})


def test_settings_are_frozen() -> None:
    settings = Settings.from_env(FULL_ENV)
    with pytest.raises(ValueError, match="frozen"):
        settings.stage = "dev"  # type: ignore[misc]

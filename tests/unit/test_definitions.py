"""infra.definitions: what the stacks deploy matches what the function code imports and reads."""

from __future__ import annotations

import functools
import importlib
import inspect
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto import mock_aws

from core.regency import REGENCIES, Regency
from core.settings import Settings, SettingsError, get_settings
from infra.definitions import (
    CONNECT_INSTANCE_ENV,
    FUNCTIONS,
    FUNCTIONS_DIR,
    SEALING_KEY_ENV,
    USER_POOL_ENV,
    FunctionDesign,
    panel_config,
    resource_prefix,
)

FUNCTION_NAMES = [f.name for f in FUNCTIONS]
RESOURCE_VARS = {
    str(Settings.model_fields[name].alias)
    for name in (
        "table_name",
        "idempotency_table_name",
        "dispatch_queue_url",
        "agency_topic_arn",
        "user_pool_id",
        "raw_bucket_name",
        "channel_secrets_name",
        "reply_secrets_name",
        "reply_queue_url",
        "backlog_queue_url",
        "directory_table_name",
        "sealing_key_arn",
        "connect_instance_arn",
        "delivery_queue_url",
        "responder_secrets_name",
        "responder_page_url",
    )
}
# What each function's code asks for with Settings.require (see each module's default factory).
REQUIRED_SETTINGS: dict[str, set[str]] = {
    "intake-connect": {"table_name"},
    "verify-api": {
        "table_name",
        "dispatch_queue_url",
        "user_pool_id",
        "directory_table_name",
        "sealing_key_arn",
        "stats_table_name",
    },
    "dispatch-worker": {
        "table_name",
        "agency_topic_arn",
        "idempotency_table_name",
        "directory_table_name",
        "delivery_queue_url",
    },
    "agency-delivery": {
        "table_name",
        "idempotency_table_name",
        "directory_table_name",
        "sealing_key_arn",
        "responder_secrets_name",
        "responder_page_url",
    },
    "dispatch-reconciler": {"table_name", "dispatch_queue_url", "directory_table_name", "delivery_queue_url"},
    "agency-api": {"table_name", "directory_table_name", "sealing_key_arn", "responder_secrets_name"},
    "stats-rollup": {"table_name", "stats_table_name"},
    "intake-web": {
        "table_name",
        "raw_bucket_name",
        "channel_secrets_name",
        "reply_queue_url",
        "backlog_queue_url",
    },
    "intake-backlog": {"table_name", "reply_queue_url"},
    "intake-calls": {"table_name", "connect_instance_arn"},
    "reply-sender": {"reply_secrets_name"},
    "privacy-retention": {"table_name"},
}
# The cached factories each handler builds its ports with when none is handed in.
FACTORIES: dict[str, tuple[tuple[str, str], ...]] = {
    "intake-connect": (("intake.connect", "default_service"),),
    "verify-api": (
        ("verify.api", "default_ports"),
        ("verify.api", "default_directory"),
        ("verify.api", "default_stats"),
    ),
    "stats-rollup": (("stats.rollup", "default_rollup"),),
    "dispatch-worker": (("dispatch.worker", "default_dispatcher"),),
    "agency-delivery": (("agency.delivery", "default_delivery"),),
    "dispatch-reconciler": (
        ("dispatch.reconciler", "default_service"),
        ("dispatch.reconciler", "default_escalator"),
    ),
    "agency-api": (("agency.api", "default_ports"),),
    "intake-web": (("intake.web", "default_ports"),),
    "intake-backlog": (("intake.backlog", "default_registrar"),),
    "intake-calls": (("intake.calls", "default_recorder"),),
    "reply-sender": (("reply.sender", "default_sender"), ("reply.sender", "default_outcomes")),
    "privacy-retention": (("privacy.retention", "default_repository"),),
}


def needed_vars(design: FunctionDesign) -> list[str]:
    return (
        [t.table.env_var for t in design.tables]
        + [q.env_var for q in design.sends_to]
        + [t.env_var for t in design.publishes_to]
        + ([USER_POOL_ENV] if design.user_pool_actions else [])
        + ([CONNECT_INSTANCE_ENV] if design.connect_agent_actions else [])
        + [bucket.env_var for bucket in design.writes_to]
        + [secret.env_var for secret in design.reads_secrets]
        + ([SEALING_KEY_ENV] if design.seals_secrets or design.opens_secrets else [])
        + list(design.deployment_env)
    )


# Deployment values a function may be given empty: it works without them (the regency's deadlines, no
# status endpoint in the record, no e-mail to posts).
OPTIONAL_VARS = {"ACK_DEADLINES": "", "PUBLIC_API_URL": "", "AGENCY_EMAIL_FROM": ""}


def fake_names(design: FunctionDesign) -> dict[str, str]:
    return {
        var: OPTIONAL_VARS.get(var, f"respon112-test-{var.lower().replace('_', '-')}")
        for var in needed_vars(design)
    }


def function_env(design: FunctionDesign) -> dict[str, str]:
    return design.env(stage="test", regency="banyuwangi", names=fake_names(design))


def by_name(name: str) -> FunctionDesign:
    return next(f for f in FUNCTIONS if f.name == name)


def test_the_expected_functions_are_declared() -> None:
    assert set(FUNCTION_NAMES) == set(REQUIRED_SETTINGS) == set(FACTORIES)


def test_function_names_are_unique_and_valid_lambda_names() -> None:
    assert len(FUNCTION_NAMES) == len(set(FUNCTION_NAMES))
    for name in FUNCTION_NAMES:
        physical = f"{resource_prefix('staging')}-{name}"
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", physical), physical


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_the_handler_imports_and_is_callable(name: str) -> None:
    design = by_name(name)
    module_name, _, attribute = design.handler.rpartition(".")
    assert (FUNCTIONS_DIR / module_name.replace(".", "/")).with_suffix(".py").is_file()

    handler = getattr(importlib.import_module(module_name), attribute)

    assert callable(handler)
    assert list(inspect.signature(handler).parameters)[:2] == ["event", "context"]


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_env_carries_the_service_stage_regency_and_every_resource(name: str) -> None:
    design = by_name(name)
    names = fake_names(design)

    env = design.env(stage="prod", regency="banyuwangi", names=names)

    assert env["POWERTOOLS_SERVICE_NAME"] == name
    assert env["STAGE"] == "prod"
    assert env["REGENCY"] == "banyuwangi"
    assert needed_vars(design), f"{name} uses no resource at all"
    for var, value in names.items():
        assert env[var] == value
    assert all(isinstance(v, str) for v in env.values())


@pytest.mark.parametrize(
    ("name", "missing"),
    [(f.name, var) for f in FUNCTIONS for var in needed_vars(f) if var not in OPTIONAL_VARS],
    ids=str,
)
def test_env_without_a_resource_raises_key_error_naming_it(name: str, missing: str) -> None:
    design = by_name(name)
    names = fake_names(design)
    del names[missing]

    with pytest.raises(KeyError, match=missing) as raised:
        design.env(stage="prod", regency="banyuwangi", names=names)
    assert name in str(raised.value)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_every_setting_the_code_requires_is_in_the_functions_env(name: str) -> None:
    env = function_env(by_name(name))
    settings = Settings.from_env(env)

    assert settings.stage == "test"
    assert settings.regency.code == "banyuwangi"
    for field in sorted(REQUIRED_SETTINGS[name]):
        alias = Settings.model_fields[field].alias
        assert alias is not None
        assert alias in env, f"{name} needs {alias}"
        assert settings.require(field) == env[alias]


# -- the real check: build each function's default ports from exactly the env infra gives it --------


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[dict[str, str]], None]]:
    """Sets a function's env (and no other resource variable) with fresh cached factories."""
    cached = [get_settings, *(factory for name in FACTORIES for factory in default_factories(name))]

    def apply(env: dict[str, str]) -> None:
        for var in RESOURCE_VARS:
            monkeypatch.delenv(var, raising=False)
        for var, value in env.items():
            monkeypatch.setenv(var, value)
        for factory in cached:
            factory.cache_clear()

    with mock_aws():
        yield apply
    for factory in cached:
        factory.cache_clear()


def default_factories(name: str) -> list[functools._lru_cache_wrapper[Any]]:
    return [getattr(importlib.import_module(module), attribute) for module, attribute in FACTORIES[name]]


def build_default_ports(name: str) -> list[Any]:
    return [factory() for factory in default_factories(name)]


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_the_default_ports_build_from_the_env_infra_gives(
    name: str, isolated_env: Callable[[dict[str, str]], None]
) -> None:
    isolated_env(function_env(by_name(name)))

    assert all(port is not None for port in build_default_ports(name))


@pytest.mark.parametrize(
    ("name", "missing"),
    [(f.name, var) for f in FUNCTIONS for var in needed_vars(f) if var not in OPTIONAL_VARS],
    ids=str,
)
def test_without_a_resource_variable_the_function_fails_at_start_up_naming_it(
    name: str, missing: str, isolated_env: Callable[[dict[str, str]], None]
) -> None:
    # The other side of the check above: a declared resource the code does not read would pass silently.
    env = function_env(by_name(name))
    del env[missing]
    isolated_env(env)

    with pytest.raises(SettingsError, match=missing):
        build_default_ports(name)


# -- specs, queues, timeouts -----------------------------------------------------------------------


def test_api_functions_have_their_spec_on_disk() -> None:
    api_functions = [f for f in FUNCTIONS if f.api_spec]
    assert [f.name for f in api_functions] == ["verify-api", "intake-web", "agency-api"]
    for design in api_functions:
        spec = FUNCTIONS_DIR / str(design.api_spec)
        assert spec.is_file(), spec
        # the spec lives with the handler's code, so it ships in the same asset
        assert spec.parent == FUNCTIONS_DIR / design.handler.split(".")[0]


def test_the_queue_visibility_timeout_is_at_least_six_times_its_consumers_timeout() -> None:
    consumers = [f for f in FUNCTIONS if f.source]
    names = [f.name for f in consumers]
    assert names == ["intake-backlog", "intake-calls", "reply-sender", "dispatch-worker", "agency-delivery"]
    for design in consumers:
        assert design.source is not None
        queue = design.source.queue
        assert queue.visibility_timeout_seconds >= 6 * design.timeout_seconds, design.name
        assert queue.max_receive_count >= 2  # a failed batch is retried before the dead-letter queue
        assert design.source.batch_size >= 1


def test_the_connect_function_answers_within_connects_eight_seconds() -> None:
    assert by_name("intake-connect").timeout_seconds < 8


def test_senders_and_consumers_agree_on_the_dispatch_queue() -> None:
    worker = by_name("dispatch-worker")
    assert worker.source is not None
    senders = [f.name for f in FUNCTIONS if worker.source.queue in f.sends_to]
    assert sorted(senders) == ["dispatch-reconciler", "verify-api"]


def served_config(regency: str) -> dict[str, Any]:
    return panel_config(
        stage="test",
        regency=regency,
        api_url="",
        region="ap-southeast-1",
        user_pool_id="pool",
        user_pool_client_id="client",
    )


@pytest.mark.parametrize("code", sorted(REGENCIES))
def test_config_json_carries_a_centre_inside_the_regency_for_every_district(code: str) -> None:
    """The panel's map outlines a district without a point around its centre (panel/js/map.js): the config
    the panel reads, locally and deployed alike, names one for every district, inside the regency."""
    regency = REGENCIES[code]
    centers = served_config(code)["regency"]["districtCenters"]

    assert set(centers) == set(regency.districts)
    for district, (lat, lon) in centers.items():
        assert regency.contains((lat, lon)), district
    # distinct places, not one point copied: no two centres within ~2 km of each other
    pairs = itertools.combinations(centers.values(), 2)
    assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) > 0.02 for a, b in pairs)


def test_banyuwangis_box_is_its_published_extent_and_holds_the_towns_we_know() -> None:
    banyuwangi = REGENCIES["banyuwangi"]

    assert banyuwangi.contains(banyuwangi.center)
    assert banyuwangi.contains((-8.6005, 114.0240))  # Pulau Merah, on the south coast
    assert not banyuwangi.contains((-8.1724, 113.7005))  # Jember, the next regency west
    assert not banyuwangi.contains((-8.6500, 115.2167))  # Denpasar, across the strait


def test_a_regency_refuses_a_centre_outside_it_or_for_a_district_it_does_not_have() -> None:
    box = ((-9.0, 114.0), (-8.0, 115.0))
    with pytest.raises(ValueError, match="outside"):
        Regency("x", "X", "Asia/Jakarta", ("A",), (-8.5, 114.5), box, {"A": (-7.0, 114.5)})
    with pytest.raises(ValueError, match="not one of its districts"):
        Regency("x", "X", "Asia/Jakarta", ("A",), (-8.5, 114.5), box, {"B": (-8.5, 114.5)})

"""The CDK app synthesized once per configuration for the whole session, offline, into temporary folders.

Configurations: `dev` (cdk.json as committed), `prod` (stage=prod) and `full` (prod with an imported
Connect instance and phone number, a custom panel domain, alarm e-mail and agency subscriptions). Each is
synthesized the first time a test asks for it, with cdk-nag's packs running as validation plugins: a
finding nobody acknowledged makes the synth raise, and then every test of that configuration errors.
"""

from __future__ import annotations

import os

# jsii (the CDK's bridge to Node.js) warns loudly about Node 20's end of life; set before aws_cdk loads.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from aws_cdk import App

from infra.app import build
from infra.definitions import ROOT
from infra.stack import Respon112Stack
from tests.infra.helpers import Synthesized

CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]

INSTANCE_ARN = "arn:aws:connect:ap-southeast-1:123456789012:instance/9d1f0a3e-6c4b-4f57-8d3c-2b7a5e1f0c11"
PHONE_NUMBER_ARN = (
    "arn:aws:connect:ap-southeast-1:123456789012:phone-number/5e1f0c11-aaaa-bbbb-cccc-9d1f0a3e6c4b"
)
PANEL_DOMAIN = "112.example.go.id"
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
AGENCY_SUBSCRIPTIONS = {
    "DAMKAR": [{"protocol": "sms", "endpoint": "+6281111111111"}],
    "POLICE": [
        {"protocol": "email", "endpoint": "p@example.org"},
        {"protocol": "https", "endpoint": "https://cad.example.org/hook"},
    ],
}
FULL: dict[str, Any] = {
    "stage": "prod",
    "connectInstanceArn": INSTANCE_ARN,
    "connectPhoneNumberArn": PHONE_NUMBER_ARN,
    "panelDomainName": PANEL_DOMAIN,
    "panelCertificateArn": CERTIFICATE_ARN,
    "alarmEmail": "ops@example.org",
    "agencyEmailFrom": "112@banyuwangikab.example.go.id",
    "ackDeadlines": "P1=120,P2=600,P3=1800",
    "agencySubscriptions": AGENCY_SUBSCRIPTIONS,
}
CONFIGURATIONS: dict[str, dict[str, Any]] = {"dev": {}, "prod": {"stage": "prod"}, "full": FULL}
ALL = tuple(CONFIGURATIONS)


def context(overrides: Mapping[str, Any]) -> dict[str, Any]:
    return {**CONTEXT, **overrides}


@contextmanager
def environment_agnostic() -> Iterator[None]:
    """infra.app.build binds the stack to CDK_DEFAULT_ACCOUNT/REGION when set; tests read templates that
    are not bound to an account or region (as `cdk synth` without credentials writes them)."""
    with mock.patch.dict(os.environ):
        os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
        os.environ.pop("CDK_DEFAULT_REGION", None)
        yield


def new_app(overrides: Mapping[str, Any], outdir: Path) -> tuple[App, Respon112Stack]:
    """The app as `cdk synth` builds it (validation plugins included), with cdk.json's context plus
    `overrides`. Not synthesized yet: a test may add to it first."""
    app = App(outdir=str(outdir), context=context(overrides))
    with environment_agnostic():
        stack = build(app)
    return app, stack


def synthesize(name: str, overrides: Mapping[str, Any], outdir: Path) -> Synthesized:
    app, stack = new_app(overrides, outdir)
    assembly = app.synth()
    template_path = Path(assembly.directory) / stack.template_file
    template = json.loads(template_path.read_text(encoding="utf-8"))
    return Synthesized(name, context(overrides), app, stack, outdir, template)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Synthesized]:
    """synthesized(name): the configuration, synthesized on first use and kept for the session."""
    cache: dict[str, Synthesized] = {}

    def get(name: str) -> Synthesized:
        if name not in cache:
            outdir = tmp_path_factory.mktemp(f"cdk-{name}")
            cache[name] = synthesize(name, CONFIGURATIONS[name], outdir)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def dev(synthesized: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized("dev")


@pytest.fixture(scope="session")
def prod(synthesized: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized("prod")


@pytest.fixture(scope="session")
def full(synthesized: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized("full")


@pytest.fixture(scope="session", params=ALL)
def config(request: pytest.FixtureRequest, synthesized: Callable[[str], Synthesized]) -> Synthesized:
    """Each configuration in turn."""
    return synthesized(str(request.param))


@pytest.fixture(scope="session", params=("dev", "prod"))
def stage_default(request: pytest.FixtureRequest, synthesized: Callable[[str], Synthesized]) -> Synthesized:
    """Each stage with cdk.json's defaults."""
    return synthesized(str(request.param))

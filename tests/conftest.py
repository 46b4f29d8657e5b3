"""Test-wide setup. Runs before any test module imports a handler: fake AWS credentials and region, no
endpoint override (a running local stack must never receive test traffic), tracing off, and moto loaded."""

from __future__ import annotations

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_REGION": "ap-southeast-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "respon112-tests",
        "POWERTOOLS_METRICS_NAMESPACE": "Respon112Tests",
        "STAGE": "test",
        "REGENCY": "banyuwangi",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

import moto  # noqa: F401  - loaded before any handler so every boto3 client can be mocked
import pytest
from hypothesis import settings

from tests.support import FakeLambdaContext

# Property tests search the same examples on every run, so `make test` (and CI) never fails on an example
# one run happened to draw and the next did not. To search afresh, as a developer exploring:
# HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests/unit/test_phone_reference.py
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()

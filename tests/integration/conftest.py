"""The local stack, started once for the tests of this folder, and clients that drive it as Connect and
operators do.

`python -m local serve` runs as a subprocess on free ports with its own state directory; every test talks
to it over HTTP only (the REST API, the Lambda Invoke API, moto's endpoint for Cognito and SQS). When the
last test of the folder is done the stack gets SIGINT, as Ctrl-C sends it, and must stop cleanly with
exit status 0 and no process left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.simulator import ApiClient
from tests.integration.helpers import SERVE_ARGS, running_stack

INTEGRATION_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="package")
def stack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("local-stack")


@pytest.fixture(scope="package")
def endpoints(stack_dir: Path) -> Iterator[dict[str, Any]]:
    """The running stack's endpoints.json; at teardown, Ctrl-C must stop it with status 0."""
    with running_stack(stack_dir, *SERVE_ARGS) as endpoints:
        yield endpoints


@pytest.fixture(scope="package")
def api_for(endpoints: dict[str, Any]) -> Callable[[str], ApiClient]:
    """An ApiClient per user, logged in through Cognito's InitiateAuth once."""
    clients: dict[str, ApiClient] = {}

    def get(username: str) -> ApiClient:
        if username not in clients:
            clients[username] = ApiClient(endpoints, username)
        return clients[username]

    return get


@pytest.fixture(scope="package")
def operator1(api_for: Callable[[str], ApiClient]) -> ApiClient:
    return api_for("operator1")


@pytest.fixture(scope="package")
def operator2(api_for: Callable[[str], ApiClient]) -> ApiClient:
    return api_for("operator2")

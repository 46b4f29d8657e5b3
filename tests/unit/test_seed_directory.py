"""tools/seed_directory.py on moto: a deployed stack's directory seeded once, never overwritten."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from core.agency_store import DynamoAgencyStore
from core.directory_seed import seed_for
from tests.support import create_tables
from tools import seed_directory


@pytest.fixture
def table() -> Iterator[str]:
    with mock_aws():
        yield create_tables("respon112-dev")["DIRECTORY_TABLE_NAME"]


def test_the_seed_tool_creates_the_missing_entries_once(
    table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = seed_for("banyuwangi")
    total = len(seed.types) + len(seed.posts)

    assert seed_directory.main(["--stage", "dev", "--dry-run"]) == 0
    assert f"{total} entries would be created" in capsys.readouterr().out
    store = DynamoAgencyStore(table, boto3.client("dynamodb"))
    assert store.load() == ([], [])  # a dry run writes nothing

    assert seed_directory.main(["--stage", "dev"]) == 0
    assert f"{total} entries created" in capsys.readouterr().out
    assert seed_directory.main(["--stage", "dev"]) == 0
    assert "0 entries created" in capsys.readouterr().out
    types, posts = store.load()
    assert (len(types), len(posts)) == (len(seed.types), len(seed.posts))
    assert {p.updated_by for p in posts} == {"system:seed"}

"""The history for Athena (tools/history.py, docs/stats.md): a DynamoDB export of the incidents table,
as ExportTableToPointInTime writes it to S3 (on moto: a full export in DynamoDB JSON), becomes one line
per incident with the monthly CSV's columns, numbers masked and the caller's words left behind."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from core import lifecycle
from core.ids import new_ulid
from core.models import CallRecord, Channel, Incident, Rejection, RejectionReason, Status
from core.repository import DynamoIncidentRepository, dynamodb_client
from tests.integration.helpers import wait_for
from tests.support import create_tables
from tools import history

T0 = datetime(2026, 11, 29, 3, 40, tzinfo=UTC)
NUMBER = "+6281234567890"


@pytest.fixture
def exported(tmp_path: Path) -> Iterator[Path]:
    with mock_aws():
        table = create_tables()["TABLE_NAME"]
        ddb = boto3.client("dynamodb")
        repo = DynamoIncidentRepository(table, dynamodb_client())
        incident = Incident(
            id=new_ulid(int(T0.timestamp() * 1000)),
            status=Status.RECEIVED,
            channel=Channel.VOICE,
            caller=NUMBER,
            report="Tolong, ini rahasia pribadi saya",
            created_by="system:intake",
            received_at=T0,
            updated_at=T0,
            version=1,
        )
        repo.create(incident)
        repo.project_call(
            incident.id,
            CallRecord(
                contact_id="c-1",
                initiated_at=T0 - timedelta(seconds=4),
                answered_at=T0 + timedelta(seconds=8),
                updated_at=T0,
            ),
        )
        claimed = repo.commit(lifecycle.claim(incident, "operator1", T0 + timedelta(seconds=20)))
        repo.commit(
            lifecycle.reject(
                claimed, "operator1", Rejection(reason=RejectionReason.PRANK), T0 + timedelta(seconds=50)
            )
        )
        ddb.update_continuous_backups(
            TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="history", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
        arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
        export = ddb.export_table_to_point_in_time(
            TableArn=arn, S3Bucket="history", S3Prefix="respon112", ExportFormat="DYNAMODB_JSON"
        )["ExportDescription"]["ExportArn"]
        wait_for(
            lambda: ddb.describe_export(ExportArn=export)["ExportDescription"]["ExportStatus"] == "COMPLETED",
            30,
            "the export",
        )
        for listed in s3.list_objects_v2(Bucket="history", Prefix="respon112")["Contents"]:
            target = tmp_path / "export" / listed["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket="history", Key=listed["Key"])["Body"].read())
        yield tmp_path


def test_an_export_becomes_one_masked_line_per_incident(exported: Path) -> None:
    files = list((exported / "export").rglob("*.gz"))
    assert files
    lines = gzip.decompress(files[0].read_bytes()).decode("utf-8").splitlines()
    assert any(
        NUMBER in line for line in lines
    )  # the export itself holds the number: it stays in the account

    assert history.main([str(exported / "export"), str(exported / "history.jsonl")]) == 0

    written = (exported / "history.jsonl").read_text(encoding="utf-8")
    (row,) = [json.loads(line) for line in written.splitlines()]
    assert row["outcome"] == "prank"
    assert row["caller"] == "+62812******90"
    assert (row["ringToAnswer"], row["answerToClaim"]) == (12, 12)
    assert row["receivedAt"] == "2026-11-29T10:40:00+07:00"
    assert NUMBER not in written
    assert "rahasia" not in written  # the caller's words do not leave with the figures

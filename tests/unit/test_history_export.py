"""The history for Athena (tools/history.py, docs/stats.md): a DynamoDB export of the incidents table,
as ExportTableToPointInTime writes it to S3 (on moto: a full export in DynamoDB JSON), becomes one line
per incident with the monthly CSV's columns, numbers masked and the caller's words left behind; or the
same rows as Parquet, typed and partitioned by regency, year and month, read back equal."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from core import lifecycle
from core.ids import new_ulid
from core.models import CallRecord, Channel, Incident, Rejection, RejectionReason, Status
from core.regency import REGENCIES
from core.report import COLUMNS
from core.repository import DynamoIncidentRepository, dynamodb_client
from tests.integration.helpers import wait_for
from tests.support import create_tables
from tools import history

T0 = datetime(2026, 11, 29, 3, 40, tzinfo=UTC)
NUMBER = "+6281234567890"
ZONE = timezone(timedelta(hours=7))  # Banyuwangi: WIB


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


def read_back(path: Path) -> list[dict[str, Any]]:
    """A Parquet file's rows as the JSON Lines have them: the arrival in the regency's time, what is not
    known left out."""
    rows = pq.read_table(path).to_pylist()
    for row in rows:
        row["receivedAt"] = row["receivedAt"].astimezone(ZONE).isoformat(timespec="seconds")
    return [{name: value for name, value in row.items() if value is not None} for row in rows]


def test_an_export_becomes_typed_parquet_by_regency_and_month(exported: Path) -> None:
    export = str(exported / "export")
    assert history.main([export, str(exported / "history.jsonl")]) == 0
    assert history.main([export, str(exported / "parquet"), "--parquet"]) == 0

    files = sorted((exported / "parquet").rglob("*.parquet"))
    assert [f.relative_to(exported / "parquet").as_posix() for f in files] == [
        "regency=banyuwangi/year=2026/month=11/history.parquet"
    ]
    schema = pq.read_schema(files[0])
    assert schema.names == [name for name, _ in COLUMNS]
    assert schema.field("receivedAt").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("ringToAnswer").type == pa.float64()
    assert schema.field("outcome").type == pa.string()
    lines = (exported / "history.jsonl").read_text(encoding="utf-8").splitlines()
    assert read_back(files[0]) == [json.loads(line) for line in lines]
    assert NUMBER.encode() not in files[0].read_bytes()
    assert b"rahasia" not in files[0].read_bytes()


def test_the_month_is_the_regencys_and_a_rerun_replaces_it(tmp_path: Path) -> None:
    regency = REGENCIES["banyuwangi"]

    def row(incident_id: str, received: datetime, **more: Any) -> dict[str, Any]:
        local = received.astimezone(ZONE).isoformat(timespec="seconds")
        return {"incidentId": incident_id, "receivedAt": local, "channel": "WEB", **more}

    rows = [
        row("01A", datetime(2026, 11, 30, 16, 59, tzinfo=UTC), outcome="open"),  # 23:59 WIB, November
        row("01B", datetime(2026, 11, 30, 17, 0, tzinfo=UTC), claimToVerify=12.5),  # 00:00 WIB, December
        row("01C", datetime(2026, 12, 2, 3, 0, tzinfo=UTC), caller="+62812******90"),
    ]

    files = history.write_parquet(rows, tmp_path, regency)
    again = history.write_parquet(rows, tmp_path, regency)  # the same export converted twice

    assert files == again
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "regency=banyuwangi/year=2026/month=11/history.parquet",
        "regency=banyuwangi/year=2026/month=12/history.parquet",
    ]
    assert [read_back(f) for f in files] == [rows[:1], rows[1:]]

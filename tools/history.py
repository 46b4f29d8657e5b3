"""The incidents' history for Amazon Athena: a DynamoDB export of the incidents table (ExportFormat
DYNAMODB_JSON, the `data/*.json.gz` files under its manifest) turned into one line per incident with the
monthly CSV's columns (core/report.py): intervals in seconds, numbers masked, no words of the caller.

    python tools/history.py EXPORT_DIR OUT.jsonl [--regency banyuwangi]
    python tools/history.py EXPORT_DIR OUT_DIR --parquet [--regency banyuwangi]

EXPORT_DIR is the export downloaded from S3 (`aws s3 sync s3://<bucket>/<prefix>/AWSDynamoDB/<id>/ …`).
The output is JSON Lines, which Athena reads with its JSON SerDe, or with --parquet one Parquet file per
month under OUT_DIR/regency=<code>/year=<YYYY>/month=<MM>/ (the regency's calendar month), its columns
typed: the arrival a timestamp, the intervals doubles, the rest strings (docs/stats.md). Copy OUT_DIR to
s3://<history>/ and Athena finds the partitions. Items other than an incident's (audit entries, counters,
positions, dedupe keys) are left out.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

from boto3.dynamodb.types import TypeDeserializer  # noqa: E402

from core.intervals import Interval, measure  # noqa: E402
from core.regency import REGENCIES, Regency  # noqa: E402
from core.report import COLUMNS  # noqa: E402
from core.rollups import Contribution  # noqa: E402

PARQUET_FILE = "history.parquet"
_INTERVALS = frozenset(interval.value for interval in Interval)

_deserializer = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    if hasattr(value, "to_integral_value"):  # Decimal
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def export_items(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The items of DynamoDB JSON export lines ({"Item": {...}} each)."""
    for line in lines:
        if line.strip():
            item = json.loads(line)["Item"]
            yield {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


def history_rows(items: Iterable[Mapping[str, Any]], regency: Regency) -> list[dict[str, Any]]:
    """One row per incident, in id order, from the items of its partition."""
    incidents: dict[str, dict[str, Any]] = {}
    dispatches: dict[str, list[Mapping[str, Any]]] = {}
    calls: dict[str, Mapping[str, Any]] = {}
    for item in items:
        pk, sk = str(item.get("pk", "")), str(item.get("sk", ""))
        if not pk.startswith("INCIDENT#"):
            continue
        incident_id = pk.removeprefix("INCIDENT#")
        if sk == "INCIDENT":
            incidents[incident_id] = dict(item)
        elif sk.startswith("DISPATCH#"):
            dispatches.setdefault(incident_id, []).append(item)
        elif sk == "CALL":
            calls[incident_id] = item
    rows = []
    for incident_id in sorted(incidents):
        measured = measure(incidents[incident_id], dispatches.get(incident_id, []), calls.get(incident_id))
        if measured is not None:
            rows.append(dict(Contribution.of(measured, regency).row))
    return rows


def parquet_schema() -> Any:
    """The columns of the monthly CSV, typed: Athena reads them as timestamp, double and string."""
    import pyarrow as pa  # noqa: PLC0415 (a tools dependency: the JSON Lines path runs without it)

    def typed(name: str) -> Any:
        if name == "receivedAt":
            return pa.timestamp("ms", tz="UTC")
        return pa.float64() if name in _INTERVALS else pa.string()

    return pa.schema([pa.field(name, typed(name), nullable=name != "incidentId") for name, _ in COLUMNS])


def parquet_partition(row: Mapping[str, Any], regency: Regency) -> Path:
    """regency=<code>/year=<YYYY>/month=<MM>: the month of the regency's calendar in which it arrived
    (receivedAt is the regency's time with its offset, as the monthly report counts it)."""
    received = str(row["receivedAt"])
    return Path(f"regency={regency.code}", f"year={received[:4]}", f"month={received[5:7]}")


def write_parquet(rows: Sequence[Mapping[str, Any]], out_dir: Path, regency: Regency) -> list[Path]:
    """Each month's rows into its partition's one file (replaced if there), in id order. The partition's
    values are in its path, not in the file, as Athena and Glue expect of Hive-style partitions."""
    import pyarrow as pa  # noqa: PLC0415 (see parquet_schema)
    import pyarrow.parquet as pq  # noqa: PLC0415

    schema = parquet_schema()
    months: dict[Path, list[dict[str, Any]]] = {}
    for row in rows:
        typed = {name: row.get(name) for name in schema.names}
        typed["receivedAt"] = datetime.fromisoformat(str(row["receivedAt"]))
        months.setdefault(parquet_partition(row, regency), []).append(typed)
    written = []
    for partition, month in sorted(months.items()):
        target = out_dir / partition / PARQUET_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(month, schema=schema), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("export_dir", type=Path, help="a downloaded DynamoDB export (its data/*.json.gz)")
    parser.add_argument("out", type=Path, help="where to write the JSON Lines (a folder with --parquet)")
    parser.add_argument("--regency", default="banyuwangi", choices=sorted(REGENCIES))
    parser.add_argument("--parquet", action="store_true", help="Parquet files partitioned by month")
    args = parser.parse_args(argv)
    lines: list[str] = []
    for path in sorted(args.export_dir.rglob("*.gz")):
        lines.extend(gzip.decompress(path.read_bytes()).decode("utf-8").splitlines())
    regency = REGENCIES[args.regency]
    rows = history_rows(export_items(lines), regency)
    if args.parquet:
        files = write_parquet(rows, args.out, regency)
        print(f"{len(rows)} incidents written to {len(files)} Parquet files under {args.out}")
        return 0
    with args.out.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} incidents written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Seed a deployed stack's agency directory: the agency types and the regency's posts, with placeholder
contacts (functions/core/directory_seed.py), for the admin group to correct in the panel.

python tools/seed_directory.py --stage prod [--region ap-southeast-1] [--dry-run]

Run it once after the first `cdk deploy`, with AWS credentials allowed dynamodb:Query, GetItem and
PutItem on the stack's `respon112-<stage>-directory` table. It creates only the entries that do not exist
and never changes one that does (edited or deactivated), so running it again is harmless; each entry it
creates has its history entry (actor `system:seed`). The local stack seeds itself at start.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

import boto3  # noqa: E402

from core.agency_directory import DirectoryService  # noqa: E402
from core.agency_store import DynamoAgencyStore  # noqa: E402
from core.directory_models import post_key, type_key  # noqa: E402
from core.directory_seed import seed_for  # noqa: E402
from core.ports import AgencyStore  # noqa: E402
from core.regency import REGENCIES  # noqa: E402
from infra.constants import STAGES  # noqa: E402
from infra.definitions import DIRECTORY, resource_prefix  # noqa: E402


def missing(store: AgencyStore, regency: str) -> list[str]:
    seed = seed_for(regency)
    types, posts = store.load()
    have = {type_key(t.code) for t in types} | {post_key(p.id) for p in posts}
    wanted = [type_key(code) for code, _ in seed.types] + [post_key(post_id) for post_id, _ in seed.posts]
    return [key for key in wanted if key not in have]


def run(store: AgencyStore, regency: str, dry_run: bool) -> int:
    if dry_run:
        absent = missing(store, regency)
        print(f"{len(absent)} entries would be created:", *absent, sep="\n  ")
        return 0
    created = DirectoryService(store, REGENCIES[regency]).seed(seed_for(regency))
    print(f"{len(created)} entries created (existing ones left as they are)", *created, sep="\n  ")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stage", required=True, choices=STAGES, help="the deployed stage")
    parser.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    parser.add_argument("--regency", default="banyuwangi", choices=sorted(REGENCIES), help="whose seed")
    parser.add_argument("--table", help=f"the table (default: respon112-<stage>-{DIRECTORY.id})")
    parser.add_argument("--dry-run", action="store_true", help="list what would be created; write nothing")
    args = parser.parse_args(argv)
    table = args.table or DIRECTORY.physical_name(resource_prefix(args.stage))
    store = DynamoAgencyStore(table, boto3.client("dynamodb", region_name=args.region))
    return run(store, args.regency, args.dry_run)


if __name__ == "__main__":
    sys.exit(main())

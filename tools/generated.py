"""The committed files generated from the code (OpenAPI documents, JSON Schemas): written from their
builders, or, with --check, compared with them so that a change to the code without its document fails."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(document: Mapping[str, object]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_or_check(
    documents: Mapping[Path, Callable[[], Mapping[str, object]]], description: str, remedy: str
) -> int:
    """The command line of a generator: 0 when written or up to date, 1 when --check finds one stale."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    stale = []
    for path, build in documents.items():
        text = render(build())
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"{path.relative_to(ROOT)} is stale: run `{remedy}`", file=sys.stderr)
    return 1 if stale else 0

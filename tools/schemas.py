"""Write (or --check) the committed JSON Schemas of what Respon 112 sends agencies' systems.

python tools/schemas.py          regenerate docs/schemas/*.json from the models (core/dispatch_record.py)
python tools/schemas.py --check  exit 1 if a committed schema differs from its model
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

from core.dispatch_record import record_schema  # noqa: E402

SCHEMAS = {ROOT / "docs" / "schemas" / "dispatch-record-v1.json": record_schema}


def render(document: dict[str, object]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    stale = []
    for path, build in SCHEMAS.items():
        text = render(build())
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"{path.relative_to(ROOT)} is stale: run `python tools/schemas.py`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())

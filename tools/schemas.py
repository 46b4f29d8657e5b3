"""Write (or --check) the committed JSON Schemas of what Respon 112 sends agencies' systems.

python tools/schemas.py          regenerate docs/schemas/*.json from the models (core/dispatch_record.py)
python tools/schemas.py --check  exit 1 if a committed schema differs from its model
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

from core.dispatch_record import notice_schema, record_schema  # noqa: E402
from tools.generated import write_or_check  # noqa: E402

SCHEMAS = {
    ROOT / "docs" / "schemas" / "dispatch-record-v1.json": record_schema,
    ROOT / "docs" / "schemas" / "notice-v1.json": notice_schema,  # a change after the dispatch
}


def main() -> int:
    return write_or_check(SCHEMAS, __doc__ or "", "python tools/schemas.py")


if __name__ == "__main__":
    sys.exit(main())

"""Write (or --check) the committed OpenAPI documents of the API functions.

python tools/openapi.py          regenerate functions/<fn>/openapi.json from the routes
python tools/openapi.py --check  exit 1 if a committed document differs from the routes
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

from agency.api import openapi_schema as agency_schema  # noqa: E402
from intake.web import openapi_schema as intake_schema  # noqa: E402
from verify.api import openapi_schema as verify_schema  # noqa: E402

DOCUMENTS = {
    ROOT / "functions" / "verify" / "openapi.json": verify_schema,
    ROOT / "functions" / "intake" / "openapi.json": intake_schema,
    ROOT / "functions" / "agency" / "openapi.json": agency_schema,
}


def render(document: dict[str, object]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    stale = []
    for path, build in DOCUMENTS.items():
        text = render(build())
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"{path.relative_to(ROOT)} is stale: run `make openapi`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())

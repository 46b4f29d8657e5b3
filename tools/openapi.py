"""Write (or --check) the committed OpenAPI documents of the API functions.

python tools/openapi.py          regenerate functions/<fn>/openapi.json from the routes
python tools/openapi.py --check  exit 1 if a committed document differs from the routes
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

from agency.api import openapi_schema as agency_schema  # noqa: E402
from intake.web import openapi_schema as intake_schema  # noqa: E402
from tools.generated import write_or_check  # noqa: E402
from verify.api import openapi_schema as verify_schema  # noqa: E402

DOCUMENTS = {
    ROOT / "functions" / "verify" / "openapi.json": verify_schema,
    ROOT / "functions" / "intake" / "openapi.json": intake_schema,
    ROOT / "functions" / "agency" / "openapi.json": agency_schema,
}


def main() -> int:
    return write_or_check(DOCUMENTS, __doc__ or "", "make openapi")


if __name__ == "__main__":
    sys.exit(main())

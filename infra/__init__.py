"""The Respon 112 CDK app and the resource definitions the local stack shares with it."""

import sys
from pathlib import Path

# functions/ is the Lambda task root: core.tables (the table designs) is read by infra and Lambda alike.
_FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)

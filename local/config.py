"""Where the local stack listens and keeps its state."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.definitions import ROOT, resource_prefix

STATE_DIR = ROOT / ".local"
STAGE = "local"
REGION = "ap-southeast-1"
ACCOUNT_ID = "123456789012"  # moto's default account
REGENCY = "banyuwangi"  # its districts, boundaries and agency directory seed
# The Amazon Connect instance the local 112 line pretends to run on (the samples' in events/connect/): there
# is none, but contact events and agents name it, and intake-calls reads only its instance's events.
CONNECT_INSTANCE_ARN = f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/9d1f0a3e-6c4b-4f57-8d3c-2b7a5e1f0c11"
# The local users: operators and a supervisor, each with a Cognito account and a Connect agent of the
# same name (local/standins.py).
OPERATORS = tuple(f"operator{n}" for n in range(1, 10))
SUPERVISOR = "supervisor"
# moto accepts any credentials; these only keep botocore from looking for real ones.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def function_arn(name: str) -> str:
    """A local function's ARN, as its deployed twin's is spelled (the Lambda Invoke API takes either)."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{resource_prefix(STAGE)}-{name}"


@dataclass(frozen=True)
class Ports:
    api: int = 8112
    lambda_: int = 8113
    aws: int = 8114


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def endpoints_path(state_dir: Path) -> Path:
    return state_dir / "endpoints.json"


def read_endpoints(state_dir: Path = STATE_DIR) -> dict[str, Any]:
    """What a running local stack wrote; SystemExit with a hint when none is running."""
    path = endpoints_path(state_dir)
    if not path.exists():
        raise SystemExit(f"{path} not found: start the local stack first (make dev)")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data

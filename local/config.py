"""Where the local stack listens and keeps its state."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.definitions import ROOT

STATE_DIR = ROOT / ".local"
STAGE = "local"
REGION = "ap-southeast-1"
ACCOUNT_ID = "123456789012"  # moto's default account
REGENCY = "banyuwangi"  # its districts, boundaries and agency directory seed
# moto accepts any credentials; these only keep botocore from looking for real ones.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


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

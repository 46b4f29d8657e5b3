"""Count the AWS API calls an operation makes, by hooking the boto3 clients it uses."""

from __future__ import annotations

from collections import Counter
from typing import Any


class CallCounter:
    """Attach to clients; `calls` counts `service.Operation` names, `total` sums them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def attach(self, *clients: Any) -> CallCounter:
        for client in clients:
            service = client.meta.service_model.service_name
            client.meta.events.register(
                "before-call.*.*",
                lambda model, service=service, **_: self.calls.update([f"{service}.{model.name}"]),
            )
        return self

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()

"""How often one client may report through the public web form: enough for a real emergency and its
follow-up, not enough to flood the operators' queue."""

from __future__ import annotations

from dataclasses import dataclass

from core.clock import Clock, utc_now
from core.ports import IncidentRepository


@dataclass(frozen=True)
class RateLimit:
    limit: int = 5  # reports
    window_seconds: int = 600  # per 10 minutes


class RateLimiter:
    def __init__(self, repository: IncidentRepository, rate: RateLimit, clock: Clock = utc_now) -> None:
        self._repo = repository
        self._rate = rate
        self._now = clock

    def allow(self, client: str) -> bool:
        """Count this request; False once the client is over the limit in the current window."""
        now = int(self._now().timestamp())
        start = now - now % self._rate.window_seconds
        count = self._repo.count_request(client, f"WINDOW#{start}", start + 2 * self._rate.window_seconds)
        return count <= self._rate.limit

    @property
    def retry_after_seconds(self) -> int:
        now = int(self._now().timestamp())
        return self._rate.window_seconds - now % self._rate.window_seconds

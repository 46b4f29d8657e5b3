"""How many requests one open operators' panel sends to the API, modelled on panel/js/polling.js, for the
tests that hold the WAF and throttling limits (tests/infra/test_waf.py) and the cost table (docs/costs.md)
(tests/unit/test_docs.py) against it. tests/unit/test_panel_traffic.py checks that the numbers here are the
panel's own.

The panel ticks every 250 ms and polls a list, or the open incident, once its interval has passed since the
previous answer came back: a poll's period is its interval plus the answer's latency plus up to one tick,
so 1 / interval is an upper bound of its rate. The arithmetic is in docs/decisions.md 31.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra.definitions import PANEL_DIR

POLLING = PANEL_DIR / "js" / "polling.js"
TICK_MS = 250
DETAIL_POLL_MS = 2000
LIST_STATUSES = ("RECEIVED", "IN_REVIEW", "VERIFIED", "DISPATCHED", "ACKNOWLEDGED")
TABS = ("queue", "mine", "dispatched", "review", "callbacks")
# The callback desk (GET /callbacks), polled only while its tab is shown (its count comes from the lists).
CALLBACKS_POLL_MS = 3000
# The literal intervals of polling.js `listInterval(status, tab)`, which list_interval_ms mirrors.
LIST_INTERVALS_MS = frozenset({1500, 5000, 3000, 15000})


def list_interval_ms(status: str, tab: str) -> int:
    """polling.js `listInterval(status, tab)`: only the incoming list polls fast whatever the tab shows."""
    if status == "RECEIVED":
        return 1500
    if status == "IN_REVIEW":
        return 1500 if tab in ("mine", "review") else 5000
    return 3000 if tab == "dispatched" else 15000


def polls_per_second(tab: str, incident_open: bool) -> float:
    """Upper bound of one panel's polling rate with `tab` shown (and an incident open or not)."""
    lists = sum(1000 / list_interval_ms(status, tab) for status in LIST_STATUSES)
    desk = 1000 / CALLBACKS_POLL_MS if tab == "callbacks" else 0.0
    return lists + desk + (1000 / DETAIL_POLL_MS if incident_open else 0.0)


# The least a signed-in panel polls (the incoming tab, no incident open) and the most (the dispatched tab
# with an incident open): about 1.1 and 2.4 requests a second.
IDLE_RATE = polls_per_second("queue", incident_open=False)
BUSIEST_TAB = max(TABS, key=lambda tab: polls_per_second(tab, incident_open=True))
BUSIEST_RATE = polls_per_second(BUSIEST_TAB, incident_open=True)

# Beyond polling, a busy operator: an action (claim, verify, reject, acknowledge, close, reassign) at most
# every 10 s, each a POST followed by a fresh poll of every list and of the incident (refreshSoon).
ACTION_EVERY_S = 10
REQUESTS_PER_ACTION = 1 + len(LIST_STATUSES) + 1


@dataclass(frozen=True)
class PanelRequest:
    """One request as it leaves the browser: its method and its API path (without the query)."""

    at_ms: int
    method: str
    path: str


def busiest_panel(window_s: int, incident: str = "01J0000000000000000000000A") -> list[PanelRequest]:
    """A panel at its busiest for `window_s` seconds: the busiest tab, an incident open, an action every
    ACTION_EVERY_S seconds with the polls it triggers. Every poll is sent the moment its interval is over."""
    requests: list[PanelRequest] = []
    end = window_s * 1000
    for status in LIST_STATUSES:
        every = list_interval_ms(status, BUSIEST_TAB)
        requests += [PanelRequest(t, "GET", "/incidents") for t in range(0, end, every)]
    requests += [PanelRequest(t, "GET", f"/incidents/{incident}") for t in range(0, end, DETAIL_POLL_MS)]
    for t in range(0, end, ACTION_EVERY_S * 1000):
        requests.append(PanelRequest(t, "POST", f"/incidents/{incident}/claim"))
        requests += [PanelRequest(t, "GET", "/incidents") for _ in LIST_STATUSES]
        requests.append(PanelRequest(t, "GET", f"/incidents/{incident}"))
    return sorted(requests, key=lambda r: r.at_ms)


def source_callbacks_interval() -> int:
    """polling.js's CALLBACKS_POLL_MS."""
    found = re.search(r"const CALLBACKS_POLL_MS = (\d+);", POLLING.read_text(encoding="utf-8"))
    if not found:
        raise AssertionError(f"{POLLING}: the callback desk's interval moved; update tests/panel_traffic.py")
    return int(found.group(1))


def source_intervals() -> tuple[frozenset[int], int, int]:
    """The intervals written in polling.js: listInterval's literals, DETAIL_POLL_MS and TICK_MS (the
    timers of the lists and of the open incident both tick at TICK_MS)."""
    text = POLLING.read_text(encoding="utf-8")
    body = re.search(r"\nexport function listInterval\(status, tab\) \{\n(.*?)\n\}\n", text, re.DOTALL)
    detail = re.search(r"const DETAIL_POLL_MS = (\d+);", text)
    tick = re.search(r"const TICK_MS = (\d+);", text)
    if not (body and detail and tick):
        raise AssertionError(f"{POLLING}: the polling code moved; update tests/panel_traffic.py")
    literals = frozenset(int(n) for n in re.findall(r"\b(\d{3,})\b", body.group(1)))
    return literals, int(detail.group(1)), int(tick.group(1))

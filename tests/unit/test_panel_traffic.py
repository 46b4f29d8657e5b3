"""tests/panel_traffic.py models the panel's polling: its numbers must be the panel's own."""

from __future__ import annotations

import re

import pytest

from tests.panel_traffic import (
    BUSIEST_RATE,
    BUSIEST_TAB,
    CALLBACKS_POLL_MS,
    DETAIL_POLL_MS,
    IDLE_RATE,
    LIST_INTERVALS_MS,
    LIST_STATUSES,
    POLLING,
    TABS,
    TICK_MS,
    busiest_panel,
    list_interval_ms,
    polls_per_second,
    source_callbacks_interval,
    source_intervals,
)


def test_the_model_uses_the_intervals_written_in_polling_js() -> None:
    literals, detail, tick = source_intervals()

    assert literals == LIST_INTERVALS_MS
    assert {list_interval_ms(s, tab) for s in LIST_STATUSES for tab in TABS} == LIST_INTERVALS_MS
    assert (detail, tick) == (DETAIL_POLL_MS, TICK_MS)
    assert source_callbacks_interval() == CALLBACKS_POLL_MS


def test_the_model_polls_the_lists_polling_js_polls() -> None:
    text = POLLING.read_text(encoding="utf-8")
    dispatched = re.search(r"const DISPATCHED_STATUSES = \[([^\]]*)\]", text)
    open_statuses = re.search(r"const OPEN_STATUSES = \[([^\]]*)\]", text)
    assert dispatched
    assert open_statuses
    named = re.findall(r'"([A-Z_]+)"', open_statuses.group(1) + dispatched.group(1))
    assert tuple(named) == LIST_STATUSES


@pytest.mark.parametrize(
    ("tab", "incident_open", "rate"),
    [
        ("queue", False, 1000 / 1500 + 1000 / 5000 + 3 * 1000 / 15000),
        ("mine", True, 2 * 1000 / 1500 + 3 * 1000 / 15000 + 1000 / 2000),
        ("dispatched", True, 1000 / 1500 + 1000 / 5000 + 3 * 1000 / 3000 + 1000 / 2000),
        # the callback desk: polled while its tab is shown, never more than the dispatched tab polls
        ("callbacks", True, 1000 / 1500 + 1000 / 5000 + 3 * 1000 / 15000 + 1000 / 3000 + 1000 / 2000),
    ],
)
def test_a_panel_polls_one_to_two_and_a_half_times_a_second(
    tab: str, incident_open: bool, rate: float
) -> None:
    assert polls_per_second(tab, incident_open) == pytest.approx(rate)
    assert 1.0 < IDLE_RATE <= polls_per_second(tab, incident_open) <= BUSIEST_RATE < 2.5


def test_the_busiest_panel_sends_what_its_rate_says() -> None:
    requests = busiest_panel(300)

    polls = round(BUSIEST_RATE * 300)
    assert BUSIEST_TAB == "dispatched"
    assert len(requests) == polls + 30 * 7  # and an action with its refreshes every 10 s
    assert all(0 <= r.at_ms < 300_000 for r in requests)

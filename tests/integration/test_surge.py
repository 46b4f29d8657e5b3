"""The surge benchmark's code (bench/surge.py), a few seconds of it on this folder's stack: calls placed
through the contact flow by several callers at once are all read back with their contact events, and the
report prints the rate and the intake's spread. `make bench` runs it for 60 s on a stack of its own."""

from __future__ import annotations

from typing import Any

from bench.surge import ABANDON_EVERY, report, surge


def test_a_short_surge_loses_no_call(endpoints: dict[str, Any]) -> None:
    result = surge(endpoints, hold_seconds=2, ramp_seconds=1, most_callers=2, stall_seconds=60)

    calls = result.calls
    assert [level.callers for level in result.levels][:1] == [1]
    assert len(calls) >= ABANDON_EVERY  # abandoned and answered calls both
    assert {call.abandoned for call in calls} == {True, False}
    assert not [call.error for call in calls if call.error]
    assert result.readback.lost == []
    assert result.readback.listed == len(calls)
    assert result.readback.dead_letters == 0
    assert all(call.intake_seconds for call in calls)  # each call's flow invoked the intake
    text = "\n".join(report(result))
    assert f"lost       0 of {len(calls)} calls" in text
    assert "intake-connect p99 / p50 under the surge" in text
    assert f"sustained  {result.hold.callers} callers at once" in text

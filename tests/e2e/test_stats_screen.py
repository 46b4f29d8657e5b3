"""The supervisor's statistics screen in Chromium (panel/stats.html): reached from the panel's header,
the shift now, the range's figures as they are in GET /stats, charts drawn as SVG images with their data
tables, both languages, keyboard reachable, the month's summary printed in Bahasa Indonesia and its CSV
downloaded. A screenshot goes to the test artefacts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import ApiClient
from tests.e2e.helpers import shot, sign_in
from tests.integration.helpers import fire_in_genteng, wait_for

ROLLUP_TIMEOUT = 60.0


def decided_incidents(endpoints: dict[str, Any]) -> dict[str, Any]:
    """Four walk-in reports decided by operator7: two pranks, one fire, one left open; the statistics as
    GET /stats has them once all four are rolled up."""
    operator, supervisor = ApiClient(endpoints, "operator7"), ApiClient(endpoints, "supervisor")
    ids = []
    for number in range(4):
        response = operator.post(
            "/incidents",
            {
                "channel": "WALK_IN",
                "summary": f"Laporan langsung {number}",
                "location": {"district": "Genteng"},
            },
        )
        ids.append(response.json()["id"])
        assert operator.post(f"/incidents/{ids[-1]}/claim").status_code == 200
    assert operator.post(f"/incidents/{ids[0]}/verify", fire_in_genteng()).status_code == 200
    for incident_id in ids[1:3]:
        assert operator.post(f"/incidents/{incident_id}/reject", {"reason": "PRANK"}).status_code == 200
    now = datetime.now(UTC)
    local_day = (now + timedelta(hours=7)).date()
    start = datetime(local_day.year, local_day.month, local_day.day, tzinfo=UTC) - timedelta(hours=7)

    def rolled_up() -> dict[str, Any] | None:
        response = supervisor.get(
            "/stats",
            **{"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat(), "by": "hour"},
        )
        total: dict[str, Any] = response.json()["total"]
        outcomes = total["byOutcome"]
        done = total["byChannel"].get("WALK_IN") == 4 and outcomes.get("prank", 0) >= 2
        return total if done and total["byCategory"].get("FIRE", 0) >= 1 else None

    return wait_for(rolled_up, ROLLUP_TIMEOUT, "the four walk-in reports in GET /stats")


def test_the_supervisor_sees_the_figures_and_prints_the_month(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    total = decided_incidents(endpoints)
    page = new_page()
    sign_in(page, endpoints, "supervisor")

    page.click("#stats-link")
    expect(page.locator("#stats-view")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#total-incidents")).to_have_text(str(total["incidents"]))
    expect(page.locator("#shift-waiting")).to_be_visible()
    charts = page.locator("svg.chart[role=img]")
    expect(charts).to_have_count(3)
    expect(charts.nth(1).locator("title")).to_have_text("Sebaran waktu jawab (dering → dijawab)")
    expect(page.locator("#district-table")).to_contain_text("Genteng")
    expect(page.locator(".legend li").first).to_contain_text("Terverifikasi")  # labels, not colour alone
    shot(page, artifacts, "stats-dashboard")

    page.click("#lang-button")
    expect(page.locator("#stats-heading")).to_have_text("The shift now")
    expect(charts.nth(1).locator("title")).to_have_text("Answer-time distribution (ring → answer)")

    page.focus("#range-by")  # the range form is reached and sent by keyboard
    page.keyboard.press("Tab")
    expect(page.locator("#range-form button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#total-incidents")).to_have_text(str(total["incidents"]))

    page.evaluate("window.print = () => { document.body.dataset.printed = 'true'; }")
    page.click("#print-button")
    expect(page.locator("body")).to_have_attribute("data-printed", "true")
    summary = page.locator("#monthly-print")
    expect(summary).to_contain_text("Laporan bulanan")  # in Bahasa Indonesia, whatever the screen's language
    expect(summary).to_contain_text("Aduan iseng")
    expect(page.locator("#monthly-districts")).to_contain_text("Genteng")

    with page.expect_download() as download:
        page.click("#csv-button")
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("incidentId,receivedAt,channel,category")
    assert sum(",WALK_IN," in line for line in lines) == 4


def test_an_operator_has_no_statistics(new_page: Callable[[], Page], endpoints: dict[str, Any]) -> None:
    page = new_page()
    sign_in(page, endpoints, "operator1")

    expect(page.locator("#stats-link")).to_be_hidden()
    page.goto("/stats.html")
    expect(page.locator("#not-supervisor")).to_be_visible()

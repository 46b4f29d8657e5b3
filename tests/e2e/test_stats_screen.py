"""The supervisor's statistics screen in Chromium (panel/stats.html): reached from the panel's header,
the shift now, the range's figures as they are in GET /stats, charts drawn by the vendored Chart.js as
images named in the screen's language, with text legends and their data tables, both languages, keyboard
reachable, the month's summary printed in Bahasa Indonesia and its CSV downloaded. Screenshots go to the
test artefacts."""

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
DISTRICT = "Glenmore"


def decided_incidents(endpoints: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Four walk-in reports taken by operator7: two pranks, one fire, and one reported last and left
    open; the statistics as GET /stats has them once all four are rolled up.

    Earlier tests add walk-in reports and pranks of their own, so the day's totals are not ours to
    predict, and the rollup reads each incident as it is now, so a late decision can be counted before
    an earlier report is. What tells that ours are in: the last report, in Glenmore, a kecamatan no
    other browser test uses. The local stack reads the table's one stream shard in order, so once that
    report is counted, every write before it has been rolled up, each as it was then or later."""
    operator, supervisor = ApiClient(endpoints, "operator7"), ApiClient(endpoints, "supervisor")

    def report(number: int, district: str) -> str:
        body = {
            "channel": "WALK_IN",
            "summary": f"Laporan langsung {number}",
            "location": {"district": district},
        }
        incident_id: str = operator.post("/incidents", body).json()["id"]
        assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
        return incident_id

    ids = [report(number, "Siliragung") for number in range(3)]
    assert operator.post(f"/incidents/{ids[0]}/verify", fire_in_genteng()).status_code == 200
    for incident_id in ids[1:]:
        assert operator.post(f"/incidents/{incident_id}/reject", {"reason": "PRANK"}).status_code == 200
    ids.append(report(3, DISTRICT))
    now = datetime.now(UTC)
    local_day = (now + timedelta(hours=7)).date()
    start = datetime(local_day.year, local_day.month, local_day.day, tzinfo=UTC) - timedelta(hours=7)

    def rolled_up() -> dict[str, Any] | None:
        response = supervisor.get(
            "/stats",
            **{"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat(), "by": "hour"},
        )
        total: dict[str, Any] = response.json()["total"]
        return total if total["byDistrict"].get(DISTRICT) == 1 else None

    total = wait_for(rolled_up, ROLLUP_TIMEOUT, "the last report, in Glenmore, in GET /stats")
    assert total["byChannel"]["WALK_IN"] >= 4, total
    assert total["byOutcome"]["prank"] >= 2, total
    assert total["byCategory"]["FIRE"] >= 1, total
    return ids, total


def test_the_supervisor_sees_the_figures_and_prints_the_month(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    ids, total = decided_incidents(endpoints)
    page = new_page()
    sign_in(page, endpoints, "supervisor")

    page.click("#stats-link")
    expect(page.locator("#stats-view")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#total-incidents")).to_have_text(str(total["incidents"]))
    expect(page.locator("#shift-waiting")).to_be_visible()
    charts = page.locator("canvas.chart[role=img]")
    expect(charts).to_have_count(3)
    answers = page.locator("#chart-answers canvas[role=img]")
    expect(answers).to_have_attribute("aria-label", "Sebaran waktu jawab (dering → dijawab)")
    expect(page.locator("#chart-answers .legend")).to_contain_text("dijawab > 15 dtk")
    assert answers.evaluate("canvas => canvas.width > 0 && canvas.height > 0")  # Chart.js sized and drew it
    expect(page.locator("#district-table")).to_contain_text(DISTRICT)
    expect(page.locator(".legend li").first).to_contain_text("Terverifikasi")  # labels, not colour alone
    shot(page, artifacts, "stats-dashboard")
    page.locator(".charts").screenshot(path=str(artifacts / "stats-charts.png"))

    page.click("#lang-button")
    expect(page.locator("#stats-heading")).to_have_text("The shift now")
    expect(answers).to_have_attribute("aria-label", "Answer-time distribution (ring → answer)")
    expect(charts).to_have_count(3)  # drawn again in English, the charts before destroyed
    expect(page.locator("#chart-answers .legend")).to_contain_text("answered > 15 s")

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
    month = page.locator("#month").input_value()
    report = ApiClient(endpoints, "supervisor").get(f"/reports/{month}").json()
    first = report["topDistricts"][0]
    expect(page.locator("#monthly-districts li").first).to_have_text(f"{first['name']}: {first['incidents']}")

    with page.expect_download() as download:
        page.click("#csv-button")
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("incidentId,receivedAt,channel,category")
    assert sum(line.split(",")[0] in ids for line in lines) == 4


def test_an_operator_has_no_statistics(new_page: Callable[[], Page], endpoints: dict[str, Any]) -> None:
    page = new_page()
    sign_in(page, endpoints, "operator1")

    expect(page.locator("#stats-link")).to_be_hidden()
    page.goto("/stats.html")
    expect(page.locator("#not-supervisor")).to_be_visible()

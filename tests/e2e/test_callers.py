"""Callers in the browser: a number rejected three times as a prank calls again; its row says so, its
incident shows the caller's history and standing in both languages; a supervisor finds the number in the
list of current standings and lifts it with one key and a reason, which the incident's timeline records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Page, expect

from local.simulator import ApiClient, place_call
from tests.e2e.helpers import expect_status, open_incident, row, shot, sign_in, unique_caller

TIMES = "\N{MULTIPLICATION SIGN}"  # as the panel writes counts: "3 times" with the sign


def prank_calls(endpoints: dict[str, Any], caller: str, count: int = 3) -> list[str]:
    """`count` calls from `caller`, each claimed and rejected as a prank through the API."""
    operator = ApiClient(endpoints, "operator7")
    ids = []
    for _ in range(count):
        incident_id = place_call(endpoints, caller)["incidentId"]
        assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
        rejected = operator.post(f"/incidents/{incident_id}/reject", {"reason": "PRANK", "note": "tertawa"})
        assert rejected.status_code == 200, rejected.text
        ids.append(incident_id)
    return ids


def test_a_warned_callers_row_badge_and_history_pane_in_both_languages(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    caller = unique_caller()
    earlier = prank_calls(endpoints, caller)
    answer = place_call(endpoints, caller)
    assert (answer["callerStanding"], answer["recentPranks"]) == ("WARNED", "3")
    fourth = answer["incidentId"]

    page = new_page()
    sign_in(page, endpoints, "operator6")
    expect(row(page, fourth).locator(".prank-badge")).to_have_text(f"3{TIMES} iseng / 30 hari")
    expect(row(page, fourth).locator('.flag[data-flag="WARNED"]')).to_have_text(
        "Diperingatkan (pernah iseng)"
    )

    open_incident(page, fourth)
    history = page.locator("#history-block")
    expect(history).to_be_visible()
    expect(history).to_have_attribute("data-standing", "WARNED")
    expect(page.locator("#history-standing")).to_contain_text("DIPERINGATKAN")
    expect(page.locator("#history-standing")).to_contain_text(f"3{TIMES} iseng dalam 30 hari")
    items = page.locator("#history-list li")
    expect(items).to_have_count(4)
    expect(page.locator('#history-list li[data-outcome="PRANK"]')).to_have_count(3)
    expect(page.locator("#history-list li.current")).to_contain_text("insiden ini")
    expect(page.locator('#history-list li[data-outcome="PRANK"]').first).to_contain_text(
        "Telepon 112 · iseng"
    )
    shot(page, artifacts, "caller-history")

    page.keyboard.press("l")
    expect(row(page, fourth).locator(".prank-badge")).to_have_text(f"3{TIMES} prank / 30 days")
    expect(page.locator("#history-standing")).to_contain_text("WARNED")
    expect(page.locator("#history-list li.current")).to_contain_text("this incident")
    page.keyboard.press("l")

    # An earlier incident of the caller opens from the history, by keyboard too.
    button = page.locator(f'#history-list button[data-id="{earlier[-1]}"]')
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#detail-heading")).to_contain_text(earlier[-1])
    expect_status(page, "REJECTED")
    expect(page.locator(f'#history-list li[data-id="{earlier[-1]}"]')).to_have_class("current")


def test_the_reject_form_offers_a_silent_line(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id = place_call(endpoints, unique_caller())["incidentId"]
    page = new_page()
    sign_in(page, endpoints, "operator8")
    open_incident(page, incident_id)
    page.click("#claim-button")
    expect_status(page, "IN_REVIEW")
    page.click("#reject-button")
    page.check("#reject-reason-SILENT")
    page.click("#reject-form button[type=submit]")
    expect_status(page, "REJECTED")
    expect(page.locator('#detail-facts dd[data-fact="rejection"]')).to_contain_text("tanpa suara")
    expect(page.locator('#history-list li[data-outcome="SILENT"]')).to_have_count(1)


def test_a_supervisor_lifts_a_standing_from_the_list_with_one_key_and_a_reason(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    caller = unique_caller()
    prank_calls(endpoints, caller)
    fourth = place_call(endpoints, caller)["incidentId"]

    page = new_page()
    sign_in(page, endpoints, "supervisor")
    page.keyboard.press("6")  # the callers' tab (5 is the callback desk's)
    expect(page.locator("#tab-standings")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#standings-panel")).to_be_visible()
    expect(page.locator("#queue-panel")).to_be_hidden()
    entry = page.locator(f'#standings-list button.standing-row[data-caller="{caller}"]')
    expect(entry).to_have_attribute("data-standing", "WARNED")
    expect(entry).to_contain_text("DIPERINGATKAN")
    entry.click()
    expect(page.locator("#standings-detail-heading")).to_have_text(caller)
    expect(page.locator('#standings-history li[data-outcome="PRANK"]')).to_have_count(3)
    shot(page, artifacts, "standings")

    page.keyboard.press("u")  # the selected row
    expect(page.locator("#lift-dialog")).to_be_visible()
    expect(page.locator("#lift-intro")).to_contain_text(caller)
    expect(page.locator("#lift-reason")).to_be_focused()
    page.keyboard.press("Control+Enter")  # no reason: refused before sending
    expect(page.locator("#lift-reason-error")).not_to_be_empty()
    page.keyboard.type("Penelepon dikenal; anaknya yang bermain telepon")
    page.keyboard.press("Control+Enter")

    expect(page.locator("#lift-dialog")).to_be_hidden()
    expect(entry).to_have_count(0)

    # The open incident of the number says who lifted it and why; its flag is gone.
    page.keyboard.press("1")
    open_incident(page, fourth)
    lifted = page.locator('#detail-timeline li[data-action="STANDING"]')
    expect(lifted).to_contain_text("supervisor")
    expect(lifted).to_contain_text("Penelepon dikenal")
    expect(lifted).to_contain_text("menjadi NORMAL")
    expect(row(page, fourth).locator('.flag[data-flag="WARNED"]')).to_have_count(0)
    expect(page.locator("#history-standing")).to_contain_text("dicabut supervisor")

    history = ApiClient(endpoints, "operator1").get(f"/callers/{quote(caller, safe='')}").json()
    assert history["standing"]["standing"] == "NORMAL"
    assert [(e["change"], e["actor"]) for e in history["timeline"]] == [("LIFT", "supervisor")]


def test_operators_have_no_callers_tab(new_page: Callable[[], Page], endpoints: dict[str, Any]) -> None:
    page = new_page()
    sign_in(page, endpoints, "operator9")
    expect(page.locator("#tab-standings")).to_be_hidden()
    page.keyboard.press("6")
    expect(page.locator("#tab-queue")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("u")
    expect(page.locator("#lift-dialog")).to_be_hidden()

"""Past incidents in the panel (GET /search): `f` opens the search screen, a number written as people
write it finds that caller's incidents (the outcome narrows them to the prank), a kecamatan and the
default week find a walk-in there, a number the API refuses is said beside its field, a row opens its
incident in the usual view, and Esc goes back to the incidents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import ApiClient
from tests.e2e.helpers import call, expect_status, shot, sign_in, unique_caller


def test_searching_by_number_outcome_and_kecamatan_opens_the_incident(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    operator = ApiClient(endpoints, "operator8")
    caller = unique_caller()
    prank = call(endpoints, caller)
    assert operator.post(f"/incidents/{prank}/claim").status_code == 200
    rejected = operator.post(f"/incidents/{prank}/reject", {"reason": "PRANK", "note": "tertawa"})
    assert rejected.status_code == 200, rejected.text
    again = call(endpoints, caller)  # the same number, still open
    walk_in = operator.post(
        "/incidents",
        {
            "channel": "WALK_IN",
            "summary": "Pohon tumbang menutup jalan",
            "location": {"lat": -7.95, "lon": 114.39, "district": "Wongsorejo"},
        },
    )
    assert walk_in.status_code == 201, walk_in.text
    walked = str(walk_in.json()["id"])

    page = new_page()
    sign_in(page, endpoints, "operator1")
    expect(page.locator("#search-button")).to_have_text("Cari insiden (f)")
    page.locator("#main").focus()
    page.keyboard.press("f")
    expect(page.locator("#search-view")).to_be_visible()
    expect(page.locator("#app-view")).to_be_hidden()
    expect(page.locator("#search-from")).to_be_focused()
    expect(page.locator("#search-to")).not_to_have_value("")

    # a number the API cannot read as a phone number: its words beside the field
    page.fill("#search-caller", "123")
    page.keyboard.press("Enter")
    expect(page.locator("#search-caller-error")).to_contain_text("Nomor telepon")
    expect(page.locator("#search-caller")).to_have_attribute("aria-invalid", "true")

    # the caller's number as people write it: both incidents, newest first; the prank alone by outcome
    page.fill("#search-caller", "0" + caller[3:])
    page.keyboard.press("Enter")
    rows = page.locator("#search-results tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-id", again)
    expect(rows.nth(1)).to_have_attribute("data-id", prank)
    expect(rows.nth(1)).to_have_attribute("data-outcome", "prank")  # as GET /search says it
    expect(rows.nth(1)).to_contain_text("Iseng")
    expect(rows.nth(1)).to_contain_text(caller)
    expect(page.locator("#search-caller")).not_to_have_attribute("aria-invalid", "true")
    page.select_option("#search-outcome", "prank")
    page.click("#search-submit")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_have_attribute("data-id", prank)
    shot(page, artifacts, "search-by-number")

    # a row opens its incident in the usual view; f comes back to the same results, Esc leaves
    rows.nth(0).locator("button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#search-view")).to_be_hidden()
    expect(page.locator("#detail-heading")).to_contain_text(prank)
    expect_status(page, "REJECTED")
    page.locator("#main").focus()
    page.keyboard.press("f")
    expect(rows).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator("#search-view")).to_be_hidden()
    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#search-button")).to_be_focused()

    # the kecamatan over the default week, in English
    page.click("#search-button")
    page.fill("#search-caller", "")
    page.select_option("#search-outcome", "")
    page.select_option("#search-district", "Wongsorejo")
    page.click("#search-submit")
    found = page.locator(f'#search-results tr[data-id="{walked}"]')
    expect(found).to_contain_text("Wongsorejo")
    expect(found).to_contain_text("Datang langsung")
    page.click("#lang-button")
    expect(page.locator("#search-heading")).to_have_text("Find incidents")
    expect(found).to_contain_text("Walk-in")
    found.locator("button").click()
    expect(page.locator("#detail-heading")).to_contain_text(walked)

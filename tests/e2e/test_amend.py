"""After verification in the browser, by keyboard (decision 58): Shift+U opens the verify form prefilled as
an update and Ctrl+Enter sends it; Shift+X cancels the incident as a false alarm with its reason; a
supervisor finds it again (f) and reopens it with Shift+O, back to its agencies. A report of the same
emergency attached to it is sent to its agencies when the operator takes that offer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import ApiClient
from tests.e2e.helpers import DISPATCH_TIMEOUT_MS, call, expect_status, row, shot, sign_in, unique_caller

FIRE = {
    "category": "FIRE",
    "priority": "P2",
    "location": {"district": "Genteng", "address": "Jl. Raya Genteng 40"},
    "summary": "Asap dari gudang beras",
}


def test_update_cancel_and_reopen_by_keyboard(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    api = ApiClient(endpoints, "operator9")
    caller = unique_caller()
    incident_id = call(endpoints, caller)
    assert api.post(f"/incidents/{incident_id}/claim").status_code == 200
    verified = api.post(f"/incidents/{incident_id}/verify", FIRE)
    assert verified.status_code == 200, verified.text

    page = new_page()
    sign_in(page, endpoints, "operator9")
    page.keyboard.press("3")
    row(page, incident_id).click()
    expect(page.locator("#detail-heading")).to_contain_text(incident_id)
    expect_status(page, "DISPATCHED", timeout=DISPATCH_TIMEOUT_MS)
    expect(page.locator("#reopen-button")).to_be_hidden()  # supervisors only

    # Shift+U: the verify form, as an update, with the incident as it is
    page.locator("#detail-heading").focus()
    page.keyboard.press("Shift+U")
    expect(page.locator("#verify-form")).to_be_visible()
    expect(page.locator("#verify-title")).to_have_text("Perbarui insiden")
    expect(page.locator("#verify-category")).to_have_value("FIRE")
    expect(page.locator("#verify-category")).to_be_focused()
    expect(page.locator("#verify-priority-P2")).to_be_checked()
    expect(page.locator("#verify-summary")).to_have_value("Asap dari gudang beras")
    expect(page.locator("#verify-agency-DAMKAR")).to_be_checked()
    page.locator("#verify-summary").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("Gudang beras terbakar, api membesar")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#verify-form")).to_be_hidden()
    expect(page.locator("#detail-notice")).to_contain_text("Insiden diperbarui")
    update = page.locator('#detail-timeline li[data-action="UPDATE"]')
    expect(update).to_contain_text("Ringkasan: Asap dari gudang beras → Gudang beras terbakar, api membesar")
    expect(page.locator("#verify-title")).to_have_text(
        "Verifikasi A1 dan teruskan"
    )  # the form is the verify form again
    expect_status(page, "DISPATCHED")
    shot(page, artifacts, "amend-updated")
    # Esc closes it (nothing typed: no draft); the form is the verify form again for the next review
    page.locator("#detail-heading").focus()
    page.keyboard.press("Shift+U")
    expect(page.locator("#verify-summary")).to_have_value("Gudang beras terbakar, api membesar")
    page.keyboard.press("Escape")
    expect(page.locator("#verify-form")).to_be_hidden()

    # the same caller walks in: attached to the dispatched incident, and its agencies told (g, Tab, Enter)
    walk_in = {"channel": "WALK_IN", "summary": "Api menjalar ke rumah sebelah", "caller": caller}
    walked = api.post("/incidents", {**walk_in, "location": {"district": "Genteng"}})
    assert walked.status_code == 201, walked.text
    page.locator("#detail-heading").focus()
    page.keyboard.press("1")
    row(page, walked.json()["id"]).click()
    expect(page.locator("#related-list li").first).to_have_attribute("data-id", incident_id)
    page.locator("#detail-heading").focus()
    page.keyboard.press("g")
    expect(page.locator(f'#related-list button[data-attach="{incident_id}"]').first).to_be_focused()
    page.keyboard.press("Tab")
    tell = page.locator(f'#related-list button[data-attach="{incident_id}"][data-tell="true"]')
    expect(tell).to_be_focused()
    expect(tell).to_contain_text("kabari instansi")
    page.keyboard.press("Enter")
    expect_status(page, "ATTACHED")
    expect(page.locator("#detail-notice")).to_contain_text("pos instansinya diberi tahu laporan baru ini")
    page.locator("#detail-heading").focus()
    page.keyboard.press("3")
    row(page, incident_id).click()
    expect(page.locator("#detail-heading")).to_contain_text(incident_id)
    expect(page.locator("#note-tell")).to_be_checked()  # a note on it goes to the posts too

    # Shift+X: a false alarm after all, with the reason the posts read
    page.locator("#detail-heading").focus()
    page.keyboard.press("Shift+X")
    expect(page.locator("#cancel-dialog")).to_be_visible()
    expect(page.locator("#cancel-reason")).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#cancel-reason-error")).to_contain_text("3-500")
    page.keyboard.type("Ternyata pembakaran sekam yang diawasi")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#cancel-dialog")).to_be_hidden()
    expect_status(page, "CLOSED")
    expect(page.locator('#detail-facts dd[data-fact="cancellation"]')).to_contain_text(
        "Ternyata pembakaran sekam yang diawasi — oleh operator9"
    )
    expect(page.locator('#detail-timeline li[data-action="CANCEL"]')).to_contain_text(
        "Dibatalkan: alarm palsu"
    )
    page.locator("#detail-heading").focus()
    page.keyboard.press("Shift+O")  # not a supervisor: nothing opens
    expect(page.locator("#reopen-dialog")).to_be_hidden()
    page.keyboard.press("?")
    for key in ("Shift+U", "Shift+X", "Shift+O"):
        expect(page.locator("#help-keys")).to_contain_text(key)
    expect(page.locator("#help-keys")).to_contain_text("Batalkan insiden terverifikasi")
    page.keyboard.press("Escape")

    # a supervisor finds it again and reopens it: back to its agencies
    boss = new_page()
    sign_in(boss, endpoints, "supervisor")
    boss.locator("#main").focus()
    boss.keyboard.press("f")
    boss.fill("#search-caller", caller)
    boss.keyboard.press("Enter")
    found = boss.locator(f'#search-results tr[data-id="{incident_id}"]')
    expect(found).to_contain_text("Dibatalkan")
    found.locator("button").focus()
    boss.keyboard.press("Enter")
    expect(boss.locator("#detail-heading")).to_contain_text(incident_id)
    boss.locator("#detail-heading").focus()
    boss.keyboard.press("Shift+O")
    expect(boss.locator("#reopen-dialog")).to_be_visible()
    expect(boss.locator("#reopen-intro")).to_contain_text("kembali ke instansi")
    expect(boss.locator("#reopen-reason")).to_be_focused()
    boss.keyboard.type("Pembatalan keliru: api terlihat lagi")
    boss.keyboard.press("Control+Enter")
    expect(boss.locator("#reopen-dialog")).to_be_hidden()
    expect_status(boss, "DISPATCHED")
    expect(boss.locator('#detail-timeline li[data-action="REOPEN"]')).to_contain_text(
        "Pembatalan keliru: api terlihat lagi"
    )
    expect(boss.locator('#detail-facts dd[data-fact="cancellation"]')).to_have_count(0)
    shot(boss, artifacts, "amend-reopened")

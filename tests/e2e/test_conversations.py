"""Writing to the citizen in the browser, by keyboard (issue 13, part 5): an Instagram report and its
follow-up, claimed with c; w opens the dialog, Esc closes it keeping the words, Ctrl+Enter sends; the
timeline shows the conversation in order, IN and OUT said in words, and the reply sender's outcome. A 112
call has no conversation: w shows the caller's number to call back, as a tel: link."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import instagram_message
from tests.e2e.helpers import call, expect_status, open_incident, sign_in, unique_caller


def tag() -> str:
    return secrets.token_hex(4)


def instagram_user() -> str:
    return "6104" + "".join(secrets.choice("0123456789") for _ in range(12))


def claim_by_keyboard(page: Page, incident_id: str) -> None:
    open_incident(page, incident_id)
    page.locator("#detail-heading").focus()
    page.keyboard.press("c")
    expect_status(page, "IN_REVIEW")
    expect(page.locator("#verify-category")).to_be_focused()
    page.keyboard.press("Escape")  # the verify form closes (kept as a draft)
    page.locator("#detail-heading").focus()


def test_an_operator_writes_to_an_instagram_citizen_by_keyboard(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    sender = instagram_user()
    first, answer = f"Tolong, ada kebakaran ({tag()})", f"Di Jalan Diponegoro depan pasar ({tag()})"
    (incident_id,) = instagram_message(endpoints, first, sender).json()["incidents"]
    assert instagram_message(endpoints, answer, sender).json()["incidents"] == [incident_id]

    page = new_page()
    sign_in(page, endpoints, "operator3")
    claim_by_keyboard(page, incident_id)
    expect(page.locator("#write-button")).to_have_text("Tulis ke pelapor (w)")

    page.keyboard.press("w")
    dialog = page.locator("#write-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#write-intro")).to_contain_text("lewat Instagram")
    expect(page.locator("#write-text")).to_be_focused()
    words = f"Petugas 112 di sini. Apakah ada orang di dalam rumah? ({tag()})"
    page.keyboard.type(words)
    expect(page.locator("#write-count")).to_have_text(f"{len(words)} dari 1000 karakter")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#detail-heading")).to_be_focused()  # the dialog's close is over: keys act again
    page.keyboard.press("w")  # the same incident: the words are still there
    expect(dialog).to_be_visible()
    expect(page.locator("#write-text")).to_have_value(words)
    page.keyboard.press("Control+Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#detail-notice")).to_contain_text("Pesan dicatat dan sedang dikirim")

    # The conversation in order: the report, the follow-up (IN), the operator's message (OUT), then sent.
    timeline = page.locator("#detail-timeline")
    outcome = timeline.locator('li[data-action="MESSAGE_OUTCOME"]')
    page.locator("#detail-heading").focus()
    expect(outcome).to_contain_text("terkirim", timeout=30_000)  # the panel polls the open incident
    said = timeline.locator(".said")
    expect(said).to_have_count(3)
    expect(said.nth(0)).to_have_text(f"← MASUK dari pelapor {first}")
    expect(said.nth(1)).to_have_text(f"← MASUK dari pelapor {answer}")
    expect(said.nth(2)).to_have_text(f"→ KELUAR ke pelapor {words}")
    expect(timeline.locator('li[data-action="MESSAGE_SENT"]')).to_contain_text("status: terkirim")
    page.keyboard.press("l")
    expect(said.nth(2)).to_have_text(f"→ OUT to the reporter {words}")
    expect(page.locator("#write-button")).to_have_text("Write to the citizen (w)")
    page.keyboard.press("l")
    page.keyboard.press("?")  # the help lists the key
    expect(page.locator("#help-keys tr").filter(has_text="Tulis ke pelapor")).to_contain_text("w")
    page.keyboard.press("Escape")


def test_a_call_offers_the_number_to_call_back_instead(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    number = unique_caller()
    incident_id = call(endpoints, number)

    page = new_page()
    sign_in(page, endpoints, "operator5")
    open_incident(page, incident_id)
    expect(page.locator("#write-button")).to_be_hidden()  # not held: nothing to offer yet
    page.locator("#detail-heading").focus()
    page.keyboard.press("w")
    expect(page.locator("#write-dialog")).to_be_hidden()

    claim_by_keyboard(page, incident_id)
    page.keyboard.press("w")
    link = page.locator("#write-intro a#write-call")
    expect(link).to_have_attribute("href", f"tel:{number}")
    expect(link).to_have_text(number)
    expect(link).to_be_focused()
    expect(page.locator("#write-text")).to_be_hidden()
    expect(page.locator("#write-intro")).to_contain_text("tidak bisa dibalas dengan pesan")
    page.keyboard.press("Escape")
    expect(page.locator("#write-dialog")).to_be_hidden()

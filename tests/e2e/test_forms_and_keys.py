"""Half-filled forms are never lost (shortcut keys, Esc, a screen pop, a reassignment) and the incident
can be worked from the keyboard alone: the map's point, the list's newest row, one row always in the
Tab order, focus after a claim."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import ApiClient, aml_position
from tests.e2e.helpers import (
    INCOMING_CONTACT,
    call,
    claim,
    open_incident,
    row,
    sign_in,
    sign_in_with_fake_connect,
    unique_caller,
)

POINT = re.compile(r"^-?\d+\.\d{5}, -?\d+\.\d{5}$")


def test_shortcut_keys_esc_and_a_screen_pop_never_throw_a_half_filled_form_away(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    first = call(endpoints)
    page = new_page()
    sign_in_with_fake_connect(page, endpoints, "operator8")
    claim(page, first)  # the verify form, focus on the category

    page.keyboard.press("ArrowDown")  # Kebakaran
    page.keyboard.press("Tab")  # the priority radios
    page.keyboard.press("Space")
    expect(page.locator("#verify-priority-P1")).to_be_focused()
    expect(page.locator("#verify-priority-P1")).to_be_checked()
    for key in ("r", "v", "2", "j", "l", "x"):  # letters on a radio are not shortcuts
        page.keyboard.press(key)
    expect(page.locator("#reject-form")).to_be_hidden()
    expect(page.locator("#verify-form")).to_be_visible()
    expect(page.locator("#verify-category")).to_have_value("FIRE")
    expect(page.locator("#verify-priority-P1")).to_be_checked()
    expect(page.locator("#tab-queue")).to_have_attribute("aria-selected", "true")
    expect(page.locator("html")).to_have_attribute("lang", "id")

    page.fill("#verify-summary", "Gudang terbakar, asap tebal")
    page.keyboard.press("Escape")  # closes the form, keeps what was typed
    expect(page.locator("#verify-form")).to_be_hidden()
    expect(page.locator("#detail-notice")).to_contain_text("isian disimpan sebagai draf")
    expect(page.locator("#verify-button")).to_be_focused()
    expect(page.locator("#verify-button")).to_have_class(re.compile(r"has-draft"))
    page.keyboard.press("v")
    expect(page.locator("#verify-summary")).to_have_value("Gudang terbakar, asap tebal")
    expect(page.locator("#verify-category")).to_have_value("FIRE")
    expect(page.locator("#verify-priority-P1")).to_be_checked()
    expect(page.locator("#detail-notice")).to_have_text("Draf formulir dipulihkan.")

    # A call comes in for another incident while the operator types: the form stays, the call waits.
    second = call(endpoints)
    page.locator("#verify-summary").focus()
    page.evaluate(INCOMING_CONTACT, second)
    pop = page.locator("#call-pop")
    expect(pop).to_be_visible()
    expect(pop).to_contain_text(second[-6:])
    expect(page.locator("#detail-heading")).to_contain_text(first)
    expect(page.locator("#verify-summary")).to_be_focused()
    expect(page.locator("#verify-summary")).to_have_value("Gudang terbakar, asap tebal")
    page.click("#call-pop-open")
    expect(page.locator("#detail-heading")).to_contain_text(second)
    expect(page.locator("#detail-notice")).to_contain_text(f"…{first[-6:]} disimpan sebagai draf")
    page.keyboard.press("2")
    expect(row(page, first).locator(".draft-chip")).to_have_text("draf")

    open_incident(page, first)  # back: the form reopens as it was left
    expect(page.locator("#verify-form")).to_be_visible()
    expect(page.locator("#verify-summary")).to_have_value("Gudang terbakar, asap tebal")
    expect(page.locator("#detail-notice")).to_have_text("Draf formulir dipulihkan.")

    page.click("#verify-form [data-discard-form]")  # on purpose only
    expect(page.locator("#verify-form")).to_be_hidden()
    expect(row(page, first).locator(".draft-chip")).to_have_count(0)
    page.click("#verify-button")
    expect(page.locator("#verify-summary")).to_have_value("")
    expect(page.locator("#verify-category")).to_have_value("")


def test_a_reassignment_is_named_and_the_draft_survives_it(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id = call(endpoints)
    supervisor = ApiClient(endpoints, "supervisor")
    page = new_page()
    sign_in(page, endpoints, "operator2")
    claim(page, incident_id)
    page.select_option("#verify-category", "CRIME")
    page.check("#verify-priority-P2")
    page.select_option("#verify-district", "Kabat")
    page.fill("#verify-summary", "Pencurian motor di depan masjid")

    moved = supervisor.post(f"/incidents/{incident_id}/reassign", {"assignee": "operator3"})
    assert moved.status_code == 200, moved.text
    page.keyboard.press("Control+Enter")  # sent before or after the panel noticed: the same words
    alert = page.locator("#detail-alert")
    expect(alert).to_contain_text("dialihkan oleh supervisor ke operator3")
    expect(alert).not_to_contain_text("sudah diambil")
    expect(alert).to_contain_text("disimpan sebagai draf")
    expect(alert).to_be_focused()
    expect(page.locator("#verify-form")).to_be_hidden()

    back = supervisor.post(f"/incidents/{incident_id}/reassign", {"assignee": "operator2"})
    assert back.status_code == 200, back.text
    expect(page.locator("#verify-button")).to_be_visible()
    page.click("#verify-button")
    expect(page.locator("#verify-summary")).to_have_value("Pencurian motor di depan masjid")
    expect(page.locator("#verify-category")).to_have_value("CRIME")
    expect(page.locator("#verify-district")).to_have_value("Kabat")


def test_keyboard_only_newest_row_map_point_aml_and_closing_the_view(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    older = call(endpoints)
    number = unique_caller()
    newest = call(endpoints, number)
    sent = aml_position(endpoints, number, -8.36611, 114.15012, 20.0, https=True)
    assert sent.json()["outcome"] == "ATTACHED", sent.text
    page = new_page()
    sign_in(page, endpoints, "operator9")
    expect(row(page, newest)).to_be_visible()

    page.keyboard.press("n")  # the newest incident of the list
    expect(row(page, newest)).to_be_focused()
    expect(page.locator('#queue-list button.row[tabindex="0"]')).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.locator("#detail-heading")).to_be_focused()
    page.keyboard.press("c")
    expect(page.locator("#verify-category")).to_be_focused()  # focus went somewhere useful

    # The claimed incident left the incoming list: another row takes the Tab stop.
    expect(row(page, newest)).to_have_count(0)
    expect(row(page, older)).to_be_visible()
    expect(page.locator('#queue-list button.row[tabindex="0"]')).to_have_count(1)
    page.locator("#tab-queue").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('#queue-list button.row')")

    # The map by keyboard: Tab to it, pan with the arrows, Enter sets the point under the crosshair.
    page.locator("#verify-form [data-discard-form]").focus()
    page.keyboard.press("Tab")
    the_map = page.locator("#map")
    expect(the_map).to_be_focused()
    crosshair = "getComputedStyle(document.getElementById('map'), '::after').content"
    assert page.evaluate(crosshair) not in ("none", "normal")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    expect(page.locator("#verify-point")).to_have_text(POINT)
    expect(page.locator("#map .chosen-point")).to_be_visible()
    page.keyboard.press("Delete")
    expect(page.locator("#verify-point")).to_have_text("belum dipilih — klik peta")

    # Inside the form only shortcuts with Alt work: the AML position, then no point again.
    page.locator("#verify-summary").focus()
    page.keyboard.press("Alt+p")
    expect(page.locator("#verify-point")).to_have_text("-8.36611, 114.15012")
    page.keyboard.press("Alt+h")
    expect(page.locator("#verify-point")).to_have_text("belum dipilih — klik peta")
    expect(page.locator("#verify-summary")).to_have_value("")

    page.keyboard.press("Escape")  # the form (nothing typed), then the view
    expect(page.locator("#verify-form")).to_be_hidden()
    page.keyboard.press("p")  # outside the form: the single key
    expect(page.locator("#verify-form")).to_be_visible()
    expect(page.locator("#verify-point")).to_have_text("-8.36611, 114.15012")
    page.locator("#verify-form [data-discard-form]").click()
    page.locator("#detail-heading").focus()
    page.keyboard.press("Escape")
    expect(page.locator("#detail")).to_be_hidden()
    expect(page.locator("#detail-empty")).to_be_visible()

    page.keyboard.press("?")
    help_keys = page.locator("#help-keys")
    listed = ("Ke insiden terbaru", "Pakai posisi AML", "Hapus titik", "tutup tampilan insiden", "Alt+P")
    for words in listed:
        expect(help_keys).to_contain_text(words)
    page.keyboard.press("Escape")


def test_a_claim_that_is_not_possible_says_why(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id = call(endpoints)
    operator = ApiClient(endpoints, "operator1")
    assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
    verified = operator.post(
        f"/incidents/{incident_id}/verify",
        {
            "category": "RESCUE",
            "priority": "P1",
            "location": {"address": "Pantai Boom"},
            "summary": "Perahu terbalik",
            "agencies": ["BASARNAS"],
        },
    )
    assert verified.status_code == 200, verified.text
    page = new_page()
    sign_in(page, endpoints, "operator1")
    page.keyboard.press("3")
    open_incident(page, incident_id)
    page.keyboard.press("c")
    alert = page.locator("#detail-alert")
    expect(alert).to_contain_text("Tidak bisa diambil: insiden ini berstatus")
    expect(alert).to_be_focused()
    page.keyboard.press("v")  # a form for an incident nobody reviews: said too
    expect(page.locator("#detail-notice")).to_contain_text("Formulir tidak tersedia")
    expect(page.locator("#verify-form")).to_be_hidden()

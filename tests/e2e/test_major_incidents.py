"""Major-incident mode in the browser: a supervisor declares one from the open incident by keyboard
(Shift+M, the message prefilled in Bahasa Indonesia, Ctrl+Enter); every operator's workspace shows the
banner; an operator attaches the incident open to the parent with Shift+A; the supervisor ends it with a
reason (Shift+M on the parent), and the banner goes. Ended in any case: the other tests share the stack."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import ApiClient
from tests.e2e.helpers import expect_status, open_incident, shot, sign_in, unique_caller


def walk_in(api: ApiClient, lat: float, lon: float, summary: str) -> str:
    body = {
        "channel": "WALK_IN",
        "summary": summary,
        "caller": unique_caller(),
        "location": {"lat": lat, "lon": lon, "district": "Tegaldlimo"},
    }
    response = api.post("/incidents", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_declare_by_keyboard_the_banner_and_shift_a_attaches(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    api = ApiClient(endpoints, "operator8")
    lat, lon = -8.55 - secrets.randbelow(1000) / 100_000, 114.3 + secrets.randbelow(1000) / 100_000
    parent = walk_in(api, lat, lon, "Kebakaran hutan dekat desa")
    assert api.post(f"/incidents/{parent}/claim").status_code == 200
    child = walk_in(api, lat, lon + 0.003, "Asap tebal dari hutan")
    supervisor_api = ApiClient(endpoints, "supervisor")

    try:
        boss = new_page()
        sign_in(boss, endpoints, "supervisor")
        boss.keyboard.press("4")  # all in review: the parent is there
        open_incident(boss, parent)
        boss.locator("#detail-heading").focus()
        boss.keyboard.press("Shift+M")
        dialog = boss.locator("#major-dialog")
        expect(dialog).to_be_visible()
        expect(boss.locator("#major-title")).to_have_text("Nyatakan insiden besar")
        expect(boss.locator("#major-message")).to_be_focused()
        expect(boss.locator("#major-district")).to_have_value("Tegaldlimo")
        expect(boss.locator("#major-message")).to_have_value(
            "Kami sudah menerima laporan keadaan darurat di Kecamatan Tegaldlimo. Petugas sedang menuju "
            "lokasi. Jika Anda melaporkan kejadian lain, tetap di saluran."
        )
        boss.keyboard.press("Control+Enter")
        expect(dialog).to_be_hidden()
        expect(boss.locator("#detail-notice")).to_contain_text("Insiden besar dinyatakan")
        banner = boss.locator("#major-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Insiden besar: Kebakaran hutan dekat desa · Kec. Tegaldlimo")
        expect(boss.locator('#detail-timeline li[data-action="MAJOR_INCIDENT"]')).to_contain_text(
            "Kecamatan Tegaldlimo"
        )
        shot(boss, artifacts, "major-incident-banner")

        page = new_page()
        sign_in(page, endpoints, "operator6")
        open_incident(page, child)
        expect(page.locator("#major-banner")).to_contain_text("Insiden besar:")
        expect(page.locator(f'#major-list button[data-attach="{parent}"]')).to_contain_text("Shift+A")
        # the suggestions put the parent first, as the major incident
        first = page.locator("#related-list li").first
        expect(first).to_have_attribute("data-id", parent)
        expect(first.locator(".why")).to_contain_text("insiden besar")
        page.locator("#detail-heading").focus()
        page.keyboard.press("l")  # English: the banner in both languages
        expect(page.locator("#major-banner")).to_contain_text("Major incident:")
        page.keyboard.press("l")
        page.keyboard.press("Shift+A")
        expect_status(page, "ATTACHED")
        expect(page.locator("#detail-notice")).to_contain_text(f"Digabungkan ke insiden …{parent[-6:]}")

        # the supervisor ends it from the parent, with why
        boss.locator("#detail-heading").focus()
        boss.keyboard.press("Shift+M")
        expect(boss.locator("#major-title")).to_have_text("Akhiri insiden besar")
        expect(boss.locator("#major-reason")).to_be_focused()
        boss.keyboard.type("Api sudah padam")
        boss.keyboard.press("Control+Enter")
        expect(boss.locator("#major-dialog")).to_be_hidden()
        expect(boss.locator("#major-banner")).to_be_hidden()
        expect(boss.locator('#detail-timeline li[data-action="MAJOR_INCIDENT_END"]')).to_contain_text(
            "Api sudah padam"
        )
    finally:
        for major in supervisor_api.get("/major-incidents").json()["items"]:
            supervisor_api.post(f"/major-incidents/{major['id']}/end", {"reason": "akhir uji"})

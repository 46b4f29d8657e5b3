"""One emergency, many reports in the browser: the incident under review lists the open incident of the
same emergency beside it, with why; g and Enter attach it there; the parent shows the report (its caller
and position) and takes a note written with m and Ctrl+Enter."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import ApiClient
from tests.e2e.helpers import expect_status, open_incident, shot, sign_in, unique_caller


def walk_in(api: ApiClient, caller: str, lat: float, lon: float, summary: str) -> str:
    body = {
        "channel": "WALK_IN",
        "summary": summary,
        "caller": caller,
        "location": {"lat": lat, "lon": lon, "district": "Kalibaru"},
    }
    response = api.post("/incidents", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_the_related_list_and_attaching_by_keyboard(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    api = ApiClient(endpoints, "operator7")
    caller = unique_caller()
    # a point of its own within Kalibaru, so that no other test's incident is nearer
    lat, lon = -8.29 - secrets.randbelow(1000) / 100_000, 114.0 + secrets.randbelow(1000) / 100_000
    parent = walk_in(api, caller, lat, lon, "Gudang terbakar di dekat rel")
    child = walk_in(api, caller, lat, lon + 0.002, "Asap hitam dari gudang")

    page = new_page()
    sign_in(page, endpoints, "operator6")
    open_incident(page, child)
    first = page.locator("#related-list li").first
    expect(first).to_have_attribute("data-id", parent)
    expect(first.locator(".why")).to_contain_text("nomor sama · dekat · kecamatan sama")
    expect(first.locator(".why")).to_contain_text(" m · selisih 0 menit")
    shot(page, artifacts, "related-list")

    page.keyboard.press("g")
    attach = page.locator(f'#related-list button[data-attach="{parent}"]')
    expect(attach).to_be_focused()
    page.keyboard.press("Enter")
    expect_status(page, "ATTACHED")
    expect(page.locator("#detail-notice")).to_contain_text(f"Digabungkan ke insiden …{parent[-6:]}")
    expect(page.locator('#detail-timeline li[data-action="ATTACH"]')).to_contain_text(
        f"bagian dari …{parent[-6:]}"
    )

    # The parent opens from the attached incident, by keyboard, and shows the report joined to it.
    page.locator(f'#related-parent button[data-id="{parent}"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#detail-heading")).to_contain_text(parent)
    report = page.locator("#reports-list li")
    expect(report).to_have_count(1)
    expect(report).to_contain_text(caller)
    expect(report).to_contain_text(f"{lat:.5f}, {lon + 0.002:.5f}")
    expect(report).to_contain_text("Asap hitam dari gudang")
    expect(page.locator("#reports-heading")).to_have_text("Laporan kejadian ini (2)")

    page.locator("#detail-heading").focus()
    page.keyboard.press("m")
    expect(page.locator("#note-text")).to_be_focused()
    page.keyboard.type("Dua penelepon, satu gudang")
    page.keyboard.press("Control+Enter")
    expect(page.locator('#detail-timeline li[data-action="NOTE"]')).to_contain_text(
        "Dua penelepon, satu gudang"
    )
    expect(page.locator("#note-text")).to_have_value("")

    page.locator("#detail-heading").focus()
    page.keyboard.press("l")
    expect(page.locator("#reports-heading")).to_have_text("Reports of this emergency (2)")
    page.keyboard.press("l")


def test_a_supervisor_detaches_a_mistaken_attach_by_keyboard(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    api = ApiClient(endpoints, "operator7")
    lat, lon = -8.29 - secrets.randbelow(1000) / 100_000, 114.0 + secrets.randbelow(1000) / 100_000
    parent = walk_in(api, unique_caller(), lat, lon, "Gudang terbakar")
    child = walk_in(api, unique_caller(), lat, lon, "Kecelakaan motor di jalan yang sama")
    assert api.post(f"/incidents/{child}/attach", {"parentId": parent}).status_code == 200

    page = new_page()
    sign_in(page, endpoints, "supervisor")
    open_incident(page, parent)
    # the attached incident is in no list: it opens from its report on the parent
    page.locator(f'#reports-list button[data-id="{child}"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#detail-heading")).to_contain_text(child)
    expect_status(page, "ATTACHED")
    expect(page.locator("#detach-button")).to_be_visible()

    page.locator("#detail-heading").focus()
    page.keyboard.press("e")  # d opens the agency directory
    expect(page.locator("#detach-reason")).to_be_focused()
    page.keyboard.type("Bukan kejadian yang sama")
    page.keyboard.press("Control+Enter")

    expect_status(page, "IN_REVIEW")
    expect(page.locator("#detail-held")).to_contain_text("supervisor")
    expect(page.locator('#detail-timeline li[data-action="DETACH"]')).to_contain_text(
        "Bukan kejadian yang sama"
    )
    assert ApiClient(endpoints, "operator7").get(f"/incidents/{parent}").json()["reports"] == []

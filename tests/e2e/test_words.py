"""Everything the panel shows in words, in Bahasa Indonesia and in English: a call's source metadata,
the timeline (who, what was decided), an agency's dispatch status, and the API's errors (the server's
own English message only as a secondary detail)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, Route, expect

from local.simulator import ApiClient
from tests.e2e.helpers import DISPATCH_TIMEOUT_MS, call, expect_status, open_incident, row, sign_in
from tests.e2e.test_panel import OVERFLOWING

RAW_KEYS = ("connectChannel", "instanceArn", "dialledNumber", "initiationMethod", "attribute.", "language")
DASH = "\N{EN DASH}"  # the panel writes ranges with it


def test_source_timeline_and_dispatch_in_words_in_both_languages(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id = call(endpoints)
    operator4, operator5 = ApiClient(endpoints, "operator4"), ApiClient(endpoints, "operator5")
    assert operator4.post(f"/incidents/{incident_id}/claim").status_code == 200
    moved = ApiClient(endpoints, "supervisor").post(
        f"/incidents/{incident_id}/reassign", {"assignee": "operator5"}
    )
    assert moved.status_code == 200, moved.text
    verified = operator5.post(
        f"/incidents/{incident_id}/verify",
        {
            "category": "FIRE",
            "priority": "P1",
            "location": {"district": "Srono"},
            "summary": "Rumah terbakar",
            "agencies": ["DAMKAR"],
        },
    )
    assert verified.status_code == 200, verified.text

    page = new_page()
    sign_in(page, endpoints, "operator5")
    page.keyboard.press("3")
    open_incident(page, incident_id)
    expect_status(page, "DISPATCHED", timeout=DISPATCH_TIMEOUT_MS)

    source = page.locator("#detail-source")
    expect(source.locator('dd[data-source="dialledNumber"]')).to_be_visible()
    labels = " | ".join(source.locator("dt").all_inner_texts())
    for label in ("Nomor yang dihubungi", "Jenis kontak (Connect)", "Bahasa (alur kontak)"):
        assert label in labels, labels
    assert not any(key in labels for key in RAW_KEYS), labels
    expect(source.locator('dd[data-source="connectChannel"]')).to_have_text("Suara (telepon)")
    expect(source.locator('dd[data-source="initiationMethod"]')).to_have_text("Panggilan masuk")

    timeline = page.locator("#detail-timeline")
    register = timeline.locator('li[data-action="REGISTER"]')
    expect(register.locator(".actor")).to_have_text("sistem (telepon 112)")
    expect(register).to_contain_text("lewat Telepon 112")
    reassign = timeline.locator('li[data-action="REASSIGN"] .details')
    expect(reassign).to_have_text("dari operator4 ke operator5")
    verify = timeline.locator('li[data-action="VERIFY"] .details')
    expect(verify).to_have_text(
        "tingkat A1 · Kebakaran · P1 — nyawa terancam sekarang · instansi: Pemadam Kebakaran (Damkar)"
        " · pos: Pos Damkar Rogojampi"  # the post covering Srono, by its name
    )
    dispatch = timeline.locator('li[data-action="DISPATCH"]')
    expect(dispatch.locator(".actor")).to_have_text("sistem (pengiriman ke instansi)")
    text = timeline.inner_text()
    for raw in ("grade:", "category:", "FIRE", "from:", "system:", "agencies:", "DAMKAR"):
        assert raw not in text, (raw, text)
    badge = page.locator('#detail-dispatches li[data-agency="DAMKAR"] .badge')
    expect(badge).to_have_text("Diberi tahu")
    expect(row(page, incident_id)).to_contain_text("diverifikasi operator5")

    page.click("#lang-button")
    expect(source.locator("dt").first).to_have_text("Number dialled")
    expect(source.locator('dd[data-source="connectChannel"]')).to_have_text("Voice (phone)")
    expect(register.locator(".actor")).to_have_text("system (112 call)")
    expect(reassign).to_have_text("from operator4 to operator5")
    expect(verify).to_have_text(
        "grade A1 · Fire · P1 — life in danger now · agencies: Fire brigade · posts: Pos Damkar Rogojampi"
    )
    expect(badge).to_have_text("Notified")
    expect(row(page, incident_id)).to_contain_text("verified by operator5")


def test_the_apis_errors_in_words_with_the_servers_message_secondary(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    received = call(endpoints)
    mine = call(endpoints)
    operator = ApiClient(endpoints, "operator6")
    assert operator.post(f"/incidents/{mine}/claim").status_code == 200
    page = new_page()
    sign_in(page, endpoints, "operator6")

    def unavailable(route: Route) -> None:
        route.fulfill(status=503, json={"statusCode": 503, "message": "Service Unavailable"})

    page.route(f"**/incidents/{received}/claim", unavailable)
    open_incident(page, received)
    page.keyboard.press("c")
    alert = page.locator("#detail-alert")
    expect(alert.locator(".message-text")).to_have_text(
        "Layanan sedang bermasalah (kesalahan 503). Coba lagi sebentar lagi."
    )
    expect(alert.locator(".server-detail")).to_have_text("Pesan server: Service Unavailable")
    expect(alert.locator(".server-detail")).to_have_attribute("lang", "en")
    page.click("#lang-button")
    expect(alert.locator(".message-text")).to_have_text(
        "The service is having trouble (error 503). Try again in a moment."
    )
    page.click("#lang-button")

    # A 422 next to its field: the rule in words, the server's (long) words below, wrapped.
    long_message = "String should have at least 3 characters " + "x" * 300

    def refused(route: Route) -> None:
        route.fulfill(
            status=422,
            json={
                "statusCode": 422,
                "message": f"invalid request: body.summary: {long_message}",
                "detail": [{"loc": ["body", "summary"], "type": "string_too_short", "msg": long_message}],
            },
        )

    page.route(f"**/incidents/{mine}/verify", refused)
    page.keyboard.press("2")
    open_incident(page, mine)
    page.click("#verify-button")
    page.select_option("#verify-category", "OTHER")
    page.check("#verify-priority-P3")
    page.fill("#verify-address", "Jalan Raya Rogojampi")
    page.fill("#verify-summary", "Pohon tumbang menutup jalan")
    page.check("#verify-agency-BPBD")
    page.click("#verify-form button[type=submit]")
    error = page.locator("#verify-summary-error")
    expect(error.locator(".message-text")).to_have_text(f"Ringkasan 3{DASH}2000 karakter.")
    expect(error.locator(".server-detail")).to_contain_text("String should have at least 3 characters")
    expect(page.locator("#verify-error")).to_contain_text("Server menolak isian")
    expect(page.locator("#verify-summary")).to_be_focused()
    assert page.evaluate(OVERFLOWING) == []

    # A rejection's details in words.
    page.unroute(f"**/incidents/{mine}/verify", refused)
    page.click("#verify-form [data-discard-form]")
    rejected = operator.post(
        f"/incidents/{mine}/reject", {"reason": "NON_EMERGENCY", "note": "Disarankan lapor ke RT"}
    )
    assert rejected.status_code == 200, rejected.text
    reject = page.locator('#detail-timeline li[data-action="REJECT"] .details')
    expect(reject).to_have_text("Bukan darurat · catatan: Disarankan lapor ke RT")

"""The public report form (panel/report.html): a citizen reports on the web, the checks before sending,
the API's refusals shown next to the fields, English, the browser's position with consent, a retry after
a lost answer that stays one report, and the form on a phone's width.

Every browser here is 127.0.0.1, so the folder's stack raises the web form's per-address limit
(`serve --report-rate-limit`, tests/integration/helpers.py); the limit itself is tested through the API
(tests/integration/test_channels.py). The answers that are hard to provoke for real (a kept 422, a 429)
are played by the browser's router."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, Request, Response, Route, expect

from local.simulator import ApiClient
from tests.e2e.helpers import detail, open_incident, row, shot, sign_in, unique_caller
from tests.e2e.test_panel import OVERFLOWING, UNNAMED_FIELDS

CLIENT_REPORT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
DASH = "\N{EN DASH}"  # the panel writes ranges with it (10-2000 in its texts)


def tag() -> str:
    return secrets.token_hex(4)


def local_form(e164: str) -> str:
    """+62812… as people write it: 0812-…"""
    national = e164.removeprefix("+62")
    return f"0{national[:3]}-{national[3:7]}-{national[7:]}"


def report_form(page: Page) -> None:
    page.goto("/report.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")  # config.json loaded


def sent_body(request: Request) -> dict[str, Any]:
    """The JSON body the form posted."""
    body = request.post_data_json
    assert isinstance(body, dict), request.post_data
    return body


def page_shot(page: Page, artifacts: Path, name: str) -> None:
    """The whole page, below the fold too (a form is taller than the screen)."""
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def is_report_post(item: Request | Response) -> bool:
    request = item if isinstance(item, Request) else item.request
    return request.method == "POST" and request.url.endswith("/reports")


def test_a_citizen_reports_on_the_web_and_an_operator_sees_it_in_the_queue(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    citizen = new_page()
    expect(citizen.locator("#report-link")).to_have_text("Lapor lewat web")  # on the sign-in page
    citizen.click("#report-link")
    expect(citizen.locator("body")).to_have_attribute("data-ready", "true")
    expect(citizen).to_have_title("Lapor ke 112 — Respon 112")
    expect(citizen.locator(".emergency")).to_contain_text("112 hanya untuk keadaan darurat.")
    expect(citizen.locator(".emergency")).to_contain_text("telepon 112 sekarang. Gratis, 24 jam.")
    expect(citizen.locator(".emergency a.call-button")).to_have_attribute("href", "tel:112")
    districts = requests.get(f"{endpoints['api']}/config.json", timeout=10).json()["regency"]["districts"]
    expect(citizen.locator("#report-district option")).to_have_count(1 + len(districts))
    page_shot(citizen, artifacts, "07-report-form-empty")

    words = f"Pohon besar tumbang menimpa rumah, satu orang terjepit ({tag()})"
    phone = unique_caller()
    citizen.fill("#report-description", words)
    citizen.select_option("#report-district", "Glagah")
    citizen.fill("#report-address", "Jl. Raya Glagah, depan balai desa")
    citizen.fill("#report-phone", local_form(phone))
    citizen.fill("#report-name", "Siti Aminah")
    page_shot(citizen, artifacts, "08-report-form-filled")
    with citizen.expect_response(is_report_post) as sent:
        citizen.click("#report-submit")
    response = sent.value
    assert response.status == 202, response.text()
    answer = response.json()
    body = sent_body(response.request)
    assert CLIENT_REPORT_ID.match(body["clientReportId"])
    assert body["phone"] == phone  # normalised to E.164 before sending
    assert body["location"] == {"district": "Glagah", "address": "Jl. Raya Glagah, depan balai desa"}

    incident_id = answer["incidentId"]
    expect(citizen.locator("#report-done-title")).to_be_focused()
    expect(citizen.locator("#report-done-title")).to_have_text("Laporan terkirim")
    expect(citizen.locator("#report-message")).to_have_text(answer["message"])
    expect(citizen.locator("#report-reference")).to_have_text(incident_id[-6:])
    expect(citizen.locator("#report-result")).to_have_attribute("aria-live", "polite")
    expect(citizen.locator("#report-form")).to_be_hidden()
    shot(citizen, artifacts, "09-report-confirmation")

    operator = new_page()
    sign_in(operator, endpoints, "operator5")
    listed = row(operator, incident_id)
    expect(listed.locator(".channel")).to_have_text("Formulir web")
    expect(listed.locator(".caller")).to_have_text(phone)
    expect(listed.locator(".snippet")).to_have_text(words)  # the citizen's words, in the queue
    open_incident(operator, incident_id)
    expect(operator.locator('#detail-facts dd[data-fact="channel"]')).to_have_text("Formulir web")
    expect(operator.locator("#detail-report")).to_have_text(words)
    expect(operator.locator("#detail-location")).to_contain_text("Glagah")
    expect(operator.locator('#detail-source dd[data-source="name"]')).to_have_text("Siti Aminah")

    stored = detail(ApiClient(endpoints, "operator5"), incident_id)
    assert stored["channel"] == "WEB"
    assert stored["report"] == words
    assert stored["caller"] == phone

    # Another report from the same page starts a new form, with a new id.
    citizen.click("#report-new")
    expect(citizen.locator("#report-description")).to_be_focused()
    expect(citizen.locator("#report-description")).to_have_value("")
    expect(citizen.locator("#report-result")).to_be_empty()


def test_checks_before_sending_and_the_servers_refusals_next_to_the_fields(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    report_form(page)
    posts: list[Request] = []
    page.on("request", lambda request: posts.append(request) if is_report_post(request) else None)

    page.fill("#report-description", "Tolong!")  # under 10 characters
    page.fill("#report-phone", "12345")
    page.click("#report-submit")
    expect(page.locator("#report-description-error")).to_have_text(
        f"Ceritakan kejadiannya dalam 10{DASH}2000 karakter."
    )
    expect(page.locator("#report-phone-error")).to_contain_text("08… atau +62…")
    expect(page.locator("#report-location-error")).to_contain_text("Pilih kecamatan")
    expect(page.locator("#report-error")).to_have_text("Periksa isian yang ditandai.")
    expect(page.locator("#report-description")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#report-phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#report-description")).to_be_focused()
    for foreign_or_short in ("+44 20 7946 0958", "0812", "0812345678901234"):
        page.fill("#report-phone", foreign_or_short)
        page.click("#report-submit")
        expect(page.locator("#report-phone-error")).not_to_be_empty()
    page.fill("#report-description", "Ada kecelakaan motor di tikungan, dua orang luka")
    page.fill("#report-address", "RT")  # an address needs 3 characters
    page.fill("#report-phone", "0812 3456 7890")
    page.click("#report-submit")
    expect(page.locator("#report-description-error")).to_be_empty()
    expect(page.locator("#report-phone-error")).to_be_empty()
    expect(page.locator("#report-address-error")).to_have_text(f"Alamat 3{DASH}500 karakter.")
    assert posts == [], "nothing is sent while a field is wrong"

    # A district the server does not know (the option's value edited after the checks would pass).
    page.fill("#report-address", "")
    page.select_option("#report-district", "Genteng")
    page.evaluate("document.querySelector('#report-district option:checked').value = 'Atlantis'")
    with page.expect_response(is_report_post) as sent:
        page.click("#report-submit")
    assert sent.value.status == 422
    expect(page.locator("#report-district-error")).to_contain_text("Ditolak server:")
    expect(page.locator("#report-district-error")).to_contain_text("'Atlantis' is not a district")
    expect(page.locator("#report-district")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#report-district")).to_be_focused()
    # Every refused web report is kept for an operator to read (UNPARSED): the form gives its number.
    kept_id = sent.value.json()["incidentId"]
    expect(page.locator("#report-error")).to_contain_text(
        f"tetap disimpan untuk dibaca petugas (nomor {kept_id[-6:]})"
    )
    assert len(posts) == 1

    # The answers the form must also explain, played by the browser's router (never sent).
    def kept(route: Route) -> None:
        route.fulfill(
            status=422,
            json={
                "statusCode": 422,
                "message": "invalid request",
                "detail": [
                    {"loc": ["body", "description"], "type": "string_too_long", "msg": "String too long"},
                    {"loc": ["body"], "type": "json_invalid", "msg": "JSON decode error"},
                ],
                "incidentId": "01JDQ2V7X5T8K3M9P4R6ABC123",
            },
        )

    page.route("**/reports", kept)
    page.select_option("#report-district", "Glagah")
    page.click("#report-submit")
    expect(page.locator("#report-description-error")).to_have_text("Ditolak server: String too long")
    expect(page.locator("#report-error")).to_contain_text(
        "tetap disimpan untuk dibaca petugas (nomor ABC123)"
    )
    expect(page.locator("#report-error")).to_contain_text("JSON decode error")
    page.unroute("**/reports")

    def limited(route: Route) -> None:
        route.fulfill(
            status=429,
            headers={"Retry-After": "420"},
            json={
                "statusCode": 429,
                "message": "too many reports from this address; for an emergency call 112",
            },
        )

    page.route("**/reports", limited)
    page.click("#report-submit")
    expect(page.locator("#report-error")).to_have_text(
        "Terlalu banyak laporan dari jaringan ini. Coba lagi dalam 7 menit. "
        "Jika darurat, telepon 112 sekarang."
    )
    expect(page.locator("#report-error")).to_have_attribute("role", "alert")
    page.click("#lang-button")
    expect(page.locator("#report-error")).to_have_text(
        "Too many reports from this network. Try again in 7 minutes. In an emergency, call 112 now."
    )
    expect(page.locator("#report-form")).to_be_visible()  # nothing lost: the citizen can try later


def test_english_my_location_and_a_retry_after_a_lost_answer_is_one_report(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    report_form(page)
    page.click("#lang-button")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Report to 112 — Respon 112")
    expect(page.locator("#lang-button")).to_have_text("Bahasa Indonesia")
    expect(page.locator(".emergency h2")).to_have_text("112 is for emergencies only.")
    expect(page.locator("#report-heading")).to_have_text("Report an emergency")
    expect(page.locator("label[for=report-description]")).to_have_text("What is happening? *")
    expect(page.locator("#report-district option").first).to_have_text("— choose a district —")
    page.click("#report-submit")
    expect(page.locator("#report-description-error")).to_have_text(
        f"Describe what is happening in 10{DASH}2000 characters."
    )

    # The position is read only when the citizen presses the button (the browser asks for consent).
    page.context.grant_permissions(["geolocation"], origin=endpoints["api"])
    page.context.set_geolocation({"latitude": -8.21920, "longitude": 114.36910, "accuracy": 25})
    expect(page.locator("#report-geo-status")).to_be_empty()
    page.click("#report-geo")
    expect(page.locator("#report-geo-status")).to_have_text(
        "Your location: -8.21920, 114.36910 (accuracy ±25 m)."
    )
    expect(page.locator("#report-location-error")).to_be_empty()
    page.click("#report-geo-clear")
    expect(page.locator("#report-geo-status")).to_have_text("Location removed; it will not be sent.")
    page.click("#report-geo")
    expect(page.locator("#report-geo-clear")).to_be_visible()

    words = f"Banjir masuk rumah, air setinggi lutut dan terus naik ({tag()})"
    phone = unique_caller()
    page.fill("#report-description", words)
    page.fill("#report-phone", phone.replace("+62", "+62 "))

    # The answer is lost on the way back (the server did register the report): the citizen presses
    # Send again, and the same clientReportId gets the same incident.
    registered: list[dict[str, Any]] = []

    def lose_the_answer(route: Route) -> None:
        registered.append(route.fetch().json())
        route.abort("connectionreset")

    page.route("**/reports", lose_the_answer)
    with page.expect_request(is_report_post) as first:
        page.click("#report-submit")
    expect(page.locator("#report-error")).to_contain_text("Not sent: no connection.")
    page.unroute("**/reports")
    with page.expect_response(is_report_post) as second:
        page.click("#report-submit")
    response = second.value
    assert response.status == 202, response.text()
    answer = response.json()
    assert answer["incidentId"] == registered[0]["incidentId"]
    body = sent_body(response.request)
    assert body["clientReportId"] == sent_body(first.value)["clientReportId"]
    assert body["location"] == {"lat": -8.2192, "lon": 114.3691}
    assert body["accuracyM"] == 25

    expect(page.locator("#report-done-title")).to_have_text("Report sent")
    expect(page.locator("#report-message")).to_have_text(answer["messageEn"])
    expect(page.locator("#report-reference")).to_have_text(answer["incidentId"][-6:])
    page.click("#lang-button")  # back to Bahasa Indonesia: the same answer, in Bahasa
    expect(page.locator("#report-message")).to_have_text(answer["message"])
    expect(page.locator("#report-done-title")).to_have_text("Laporan terkirim")

    stored = detail(ApiClient(endpoints, "operator6"), answer["incidentId"])
    assert stored["report"] == words
    assert (stored["location"]["lat"], stored["location"]["lon"]) == (-8.2192, 114.3691)
    assert stored["source"]["locationAccuracyM"] == "25"


def test_refused_location_and_the_form_on_a_phone_and_at_1366x768(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    page = new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    report_form(page)
    assert page.locator("h1").count() == 1
    first = "document.querySelector('a[href], button, input, select, textarea')"
    assert page.evaluate(f"{first} === document.querySelector('a.skip-link')")  # the first tab stop
    assert page.evaluate(UNNAMED_FIELDS) == []
    assert page.evaluate(OVERFLOWING) == []
    # No permission granted: the browser refuses, the form says what to do instead.
    page.click("#report-geo")
    expect(page.locator("#report-geo-status")).to_have_text(
        "Izin lokasi ditolak. Tulis kecamatan atau alamat."
    )
    page.click("#report-submit")
    expect(page.locator("#report-description-error")).not_to_be_empty()
    assert page.evaluate(OVERFLOWING) == []  # the messages fit too
    page_shot(page, artifacts, "12-report-form-phone")

    page.set_viewport_size({"width": 1366, "height": 768})
    assert page.evaluate(OVERFLOWING) == []
    expect(page.locator(".emergency")).to_be_in_viewport()  # the first thing anyone sees
    expect(page.locator("#report-description")).to_be_in_viewport()

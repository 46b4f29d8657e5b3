"""The public channels in the operators' panel: a 112 call located by the handset (AML) on the detail
map, an Instagram message with its automatic question, a signed body nobody could parse (read it by
hand, with its archive key), an X message, and their names in both languages."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, expect

from intake.signatures import meta_signature
from local.simulator import ApiClient, aml_position, instagram_message, twitter_message
from tests.e2e.helpers import call, claim, detail, open_incident, row, shot, sign_in, unique_caller


def tag() -> str:
    return secrets.token_hex(4)


def instagram_user() -> str:
    """An Instagram-scoped user id no other test uses."""
    return "6104" + "".join(secrets.choice("0123456789") for _ in range(12))


def test_a_call_then_the_handsets_aml_sms_shows_as_a_circle_on_the_detail_map(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    number = unique_caller()
    incident_id = call(endpoints, number)
    sms = aml_position(endpoints, number, -8.36611, 114.15012, 35.0, https=False)
    assert sms.json() == {"outcome": "ATTACHED", "incidentId": incident_id}, sms.text

    page = new_page()
    sign_in(page, endpoints, "operator4")
    open_incident(page, incident_id)
    expect(page.locator("#map path.aml-circle")).to_have_count(1)  # Leaflet's circle: radius = accuracy
    expect(page.locator("#map .aml-marker")).to_have_count(1)
    expect(page.locator("#map .aml-marker")).to_have_attribute("title", "Posisi ponsel (AML) ±35 m")
    expect(page.locator("#map-legend")).to_contain_text("posisi ponsel (AML), jari-jari = akurasi")
    aml = page.locator("#detail-aml")
    # The call had no kecamatan: the fix's fills it (the boundaries'; the operator may correct it).
    expect(page.locator("#detail-location")).to_have_text(
        "Kecamatan: Genteng · tanpa titik di peta · Posisi ponsel (AML): -8.36611, 114.15012 ±35 m"
    )
    expect(aml.locator('dd[data-aml="amlAccuracy"]')).to_have_text("±35 m")
    expect(aml.locator('dd[data-aml="amlMethod"]')).to_have_text("GPS/GNSS")
    expect(aml.locator('dd[data-aml="amlFixedAt"]')).to_contain_text("WIB")
    expect(aml.locator('dd[data-aml="amlTransport"]')).to_have_text("SMS")
    expect(aml.locator('dd[data-aml="amlNumber"]')).to_have_text(number)
    locate = page.locator('#detail-timeline li[data-action="LOCATE"]')
    expect(locate).to_have_count(1)
    expect(locate).to_contain_text("Posisi ponsel (AML) diterima")
    expect(locate.locator(".actor")).to_have_text("sistem (AML)")  # system:aml, in words
    expect(locate.locator(".actor")).to_have_attribute("data-actor", "system:aml")
    expect(locate).to_contain_text("-8.36611, 114.15012 ±35 m · GPS/GNSS · SMS")
    expect(locate).to_contain_text("kecamatan dari posisi: Genteng")
    shot(page, artifacts, "10-aml-map")
    locate.scroll_into_view_if_needed()
    shot(page, artifacts, "10b-aml-timeline")

    # A newer fix over HTTPS while the incident is open: the map and the text follow it.
    https = aml_position(endpoints, number, -8.36620, 114.15020, 12.0, https=True)
    assert https.json()["outcome"] == "ATTACHED", https.text
    expect(aml.locator('dd[data-aml="amlAccuracy"]')).to_have_text("±12 m")
    expect(aml.locator('dd[data-aml="amlTransport"]')).to_have_text("HTTPS (data)")
    expect(page.locator("#map .aml-marker")).to_have_attribute("title", "Posisi ponsel (AML) ±12 m")
    expect(page.locator("#map path.aml-circle")).to_have_count(1)
    expect(locate).to_have_count(2)

    # The operator takes the handset's position as the incident's point.
    claim(page, incident_id)
    page.click("#verify-button")
    page.click("#verify-use-aml")
    expect(page.locator("#verify-point")).to_have_text("-8.36620, 114.15020")
    expect(page.locator("#map .chosen-point")).to_be_visible()

    page.click("#lang-button")
    expect(aml.locator('dd[data-aml="amlMethod"]')).to_have_text("GPS/GNSS")
    expect(page.locator("#aml-heading")).to_have_text("Handset position (AML)")
    expect(locate.first).to_contain_text("Handset position (AML) received")


def test_a_handset_clock_ahead_and_a_miscounted_sms_are_shown_under_caution_in_both_languages(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    number = unique_caller()
    incident_id = call(endpoints, number)
    body = (
        'A"ML=1;lt=-08.36611;lg=+114.15012;rd=14;top=20991231235959;lc=68;pm=W;si=510100000000000;'
        "ei=356938035643809;mcc=510;mnc=10;ml=124"
    )  # a clock in 2099, and ml five short of the 129 characters
    response = requests.post(
        f"{endpoints['api']}/aml",
        json={"from": number, "text": body},
        headers={"Authorization": f"Bearer {endpoints['secrets']['amlToken']}"},
        timeout=10,
    )
    assert response.json() == {"outcome": "ATTACHED", "incidentId": incident_id}, response.text

    page = new_page()
    sign_in(page, endpoints, "operator4")
    open_incident(page, incident_id)
    aml = page.locator("#detail-aml")
    caution = aml.locator('dd[data-aml="amlWarnings"]')
    expect(caution).to_have_text(
        "Panjang SMS (ml) tidak cocok: pesan mungkin rusak; "
        "Jam ponsel lebih maju dari waktu diterima: diurutkan menurut waktu diterima"
    )
    # The time the handset claimed, kept: 2099-12-31 23:59:59 UTC is already 2100 in WIB.
    expect(aml.locator('dd[data-aml="amlFixedAt"]')).to_contain_text("2100")
    page.click("#lang-button")
    expect(caution).to_have_text(
        "SMS length (ml) does not match: the message may be damaged; "
        "Handset clock ahead of arrival: ordered by the time received"
    )


def test_an_instagram_message_shows_its_channel_the_citizens_words_and_that_the_location_was_asked(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    sender, words = instagram_user(), f"Tolong, rumah terbakar dekat pasar Genteng ({tag()})"
    response = instagram_message(endpoints, words, sender)
    assert response.status_code == 200, response.text
    (incident_id,) = response.json()["incidents"]

    page = new_page()
    sign_in(page, endpoints, "operator4")
    listed = row(page, incident_id)
    expect(listed.locator(".channel")).to_have_text("Instagram")
    expect(listed.locator(".caller")).to_have_text(f"akun {sender}")
    expect(listed.locator('.flag[data-flag="LOCATION_ASKED"]')).to_have_text("Lokasi ditanyakan")
    expect(listed.locator(".snippet")).to_have_text(words)
    open_incident(page, incident_id)
    expect(page.locator('#detail-facts dd[data-fact="channel"]')).to_have_text("Instagram")
    expect(page.locator('#detail-facts dd[data-fact="reporter"]')).to_have_text(f"akun {sender}")
    expect(page.locator("#detail-report")).to_have_text(words)
    asked = page.locator('#detail-flags [data-flag="LOCATION_ASKED"]')
    expect(asked).to_have_text(
        f"Pelapor sudah otomatis ditanya lokasinya lewat Instagram (nomor laporan {incident_id[-6:]})."
    )
    expect(page.locator('#detail-flags [data-flag="UNPARSED"]')).to_have_count(0)
    page.click("#lang-button")
    expect(listed.locator('.flag[data-flag="LOCATION_ASKED"]')).to_have_text("Location asked")
    expect(asked).to_contain_text("The citizen was automatically asked where, on Instagram")


def test_a_signed_body_nobody_could_parse_asks_for_manual_reading_with_its_archive_key(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    # Meta's payload cut off before its closing brace, correctly signed (as the integration tests do).
    body = b'{"object": "instagram", "entry": "' + tag().encode() + b'"'
    signature = meta_signature(body, endpoints["secrets"]["instagramAppSecret"])
    response = requests.post(
        f"{endpoints['api']}/webhooks/instagram",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        timeout=10,
    )
    assert response.status_code == 400, response.text
    incident_id = response.json()["incidentId"]
    stored = detail(ApiClient(endpoints, "operator4"), incident_id)
    raw_key = stored["source"]["rawKey"]
    assert raw_key.startswith("instagram/")

    page = new_page()
    sign_in(page, endpoints, "operator4")
    listed = row(page, incident_id)
    expect(listed.locator(".channel")).to_have_text("Instagram")
    expect(listed.locator('.flag[data-flag="UNPARSED"]')).to_have_text("Perlu dibaca manual")
    open_incident(page, incident_id)
    note = page.locator('#detail-flags [data-flag="UNPARSED"]')
    expect(note).to_be_visible()
    expect(note.locator("h3")).to_have_text("Perlu dibaca manual")
    expect(note.locator(".raw-key")).to_have_text(raw_key)
    expect(note.locator(".problem")).to_contain_text("not a instagram webhook payload")
    expect(page.locator("#detail-report")).to_have_text(body.decode())
    expect(page.locator('#detail-source dd[data-source="rawKey"]')).to_have_text(raw_key)
    shot(page, artifacts, "11-unparsed")
    page.click("#lang-button")
    expect(note.locator("h3")).to_have_text("Needs manual reading")
    expect(listed.locator('.flag[data-flag="UNPARSED"]')).to_have_text("Needs manual reading")


def test_channel_names_in_both_languages(new_page: Callable[[], Page], endpoints: dict[str, Any]) -> None:
    """(The web form's channel is in test_report_form.)"""
    dm = twitter_message(endpoints, f"Ada kecelakaan di jalan Jember ({tag()})", "3805104374")
    assert dm.status_code == 200, dm.text
    (x_id,) = dm.json()["incidents"]
    ig = instagram_message(endpoints, f"Ada orang pingsan di pantai ({tag()})", instagram_user())
    assert ig.status_code == 200, ig.text
    (ig_id,) = ig.json()["incidents"]
    names = {
        x_id: ("X (Twitter)", "X (Twitter)"),
        ig_id: ("Instagram", "Instagram"),
        call(endpoints): ("Telepon 112", "112 call"),
    }

    page = new_page()
    sign_in(page, endpoints, "operator4")
    for incident_id, (bahasa, _) in names.items():
        expect(row(page, incident_id).locator(".channel")).to_have_text(bahasa)
    expect(row(page, x_id).locator(".caller")).not_to_have_text("tidak diketahui")  # the X account
    page.click("#lang-button")
    for incident_id, (_, english) in names.items():
        expect(row(page, incident_id).locator(".channel")).to_have_text(english)

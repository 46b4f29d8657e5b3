"""The panel when things around it fail: the API answers 503 to the polls, Cognito cannot be reached
when an expired token must be renewed; and the map's tiles and districts from config.json."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, Route, expect

from local.simulator import ApiClient
from tests.e2e.helpers import call, open_incident, sign_in, with_config
from tests.e2e.test_panel import fake_token

RECOVERY_MS = 20_000  # a failing poll backs off; its next try after recovery comes within this
CLOCK = re.compile(r"\d\d[.:]\d\d[.:]\d\d WIB")
# A 1 x 1 transparent PNG: what the stand-in tile server answers.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def incidents_api(url: str) -> bool:
    return "/incidents" in url


def test_a_poll_answered_503_shows_since_when_the_view_is_stale_and_clears_on_recovery(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id = call(endpoints)
    page = new_page()
    sign_in(page, endpoints, "operator5")
    open_incident(page, incident_id)
    banner = page.locator("#poll-error")
    stale = page.locator("#detail-stale")
    expect(banner).to_be_hidden()

    def unavailable(route: Route) -> None:
        route.fulfill(status=503, json={"statusCode": 503, "message": "Service Unavailable"})

    page.route(incidents_api, unavailable)
    # The lists and the open incident say they are stale, since when (WIB) and why; nothing else moves.
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("data-status", "503")
    expect(banner).to_contain_text("Daftar tidak diperbarui sejak")
    expect(banner).to_contain_text("layanan tidak tersedia, 503")
    expect(banner).to_have_text(CLOCK)
    expect(banner).to_have_attribute("role", "alert")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text("Insiden ini tidak diperbarui sejak")
    expect(stale).to_have_text(CLOCK)
    expect(page.locator("#detail-heading")).to_contain_text(incident_id)  # the last good view stays
    page.click("#lang-button")
    expect(banner).to_contain_text("The lists have not been updated since")
    expect(stale).to_contain_text("service unavailable, 503")
    page.click("#lang-button")

    page.unroute(incidents_api, unavailable)
    expect(banner).to_be_hidden(timeout=RECOVERY_MS)
    expect(stale).to_be_hidden(timeout=RECOVERY_MS)


def test_after_a_reload_with_an_expired_token_and_no_cognito_the_sign_in_screen_offers_a_retry(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, endpoints, "operator6")
    stored = json.loads(page.evaluate("sessionStorage.getItem('respon112.session')"))
    expired = fake_token(exp=int(time.time()) - 60, **{"cognito:username": "operator6"})
    page.evaluate(
        "s => sessionStorage.setItem('respon112.session', s)", json.dumps({**stored, "idToken": expired})
    )

    def cognito(url: str) -> bool:
        return url.startswith(str(endpoints["aws"]))

    page.route(cognito, lambda route: route.abort("internetdisconnected"))
    page.reload()
    # Not a blank page: the sign-in screen says why, and offers to try again.
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#login-message")).to_contain_text("layanan login tidak dapat dihubungi")
    retry = page.locator("#login-retry")
    expect(retry).to_be_visible()
    expect(retry).to_have_text("Coba lagi")
    expect(page.locator("#app-view")).to_be_hidden()
    retry.click()  # still unreachable: the screen stays, saying so
    expect(page.locator("#login-message")).to_contain_text("layanan login tidak dapat dihubungi")

    page.unroute(cognito)
    retry.click()
    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#user-name")).to_contain_text("operator6")
    expect(page.locator("#queue-panel")).to_have_attribute("data-loaded", "true")
    renewed = json.loads(page.evaluate("sessionStorage.getItem('respon112.session')"))
    assert renewed["idToken"] not in (expired, stored["idToken"])


def test_the_maps_tiles_come_from_config_and_a_district_without_a_point_is_shown(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    operator = ApiClient(endpoints, "operator7")
    located: dict[str, str] = {}
    for district in ("Genteng", "Glagah"):
        incident_id = call(endpoints)
        assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
        verified = operator.post(
            f"/incidents/{incident_id}/verify",
            {
                "category": "MEDICAL",
                "priority": "P2",
                "location": {"district": district},
                "summary": "Warga pingsan di pasar",
                "agencies": ["PSC119"],
            },
        )
        assert verified.status_code == 200, verified.text
        located[district] = incident_id

    served: dict[str, Any] = {}

    def configure(document: dict[str, Any]) -> None:
        served.update(json.loads(json.dumps(document["regency"])))
        document["map"] = {"tileUrl": "/tiles/{z}/{x}/{y}.png", "attribution": "Peta <Dinas Kominfo>"}
        # Genteng's outline below comes from the centre the stack serves; Glagah's is taken out here, to
        # show what a district without one looks like.
        document["regency"].get("districtCenters", {}).pop("Glagah", None)

    page = new_page()
    page.route("**/tiles/**", lambda route: route.fulfill(body=PNG, content_type="image/png"))
    with_config(page, configure)
    sign_in(page, endpoints, "operator7")
    assert set(served["districtCenters"]) == set(served["districts"])  # the stack's config.json has them all
    page.keyboard.press("3")
    open_incident(page, located["Genteng"])
    tile = page.locator("#map img.leaflet-tile").first
    expect(tile).to_have_attribute("src", re.compile(r"/tiles/\d+/\d+/\d+\.png$"))
    # The attribution is the configured text, shown as text (never parsed as HTML).
    expect(page.locator("#map .leaflet-control-attribution")).to_have_text("Peta <Dinas Kominfo>")
    expect(page.locator("#map .district-label")).to_have_text("Kec. Genteng")  # its centre, as served
    expect(page.locator("#map path.district-area")).to_have_count(1)
    expect(page.locator("#map .map-note")).to_have_text("Lokasi: Kecamatan Genteng (tanpa titik)")

    open_incident(page, located["Glagah"])
    expect(page.locator("#map .map-note")).to_have_text("Lokasi: Kecamatan Glagah (tanpa titik)")
    expect(page.locator("#map .district-label")).to_have_count(0)  # no centre for Glagah: words only
    expect(page.locator("#detail-location")).to_have_text("Kecamatan: Glagah · tanpa titik di peta")
    page.click("#lang-button")
    expect(page.locator("#map .map-note")).to_have_text("Location: Glagah district (no point)")

"""The panel around the work: first sign-in with a temporary password, the language switch, the phone
area without Amazon Connect, and basic accessibility at the operators' screen size."""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from local.aws import client
from tests.e2e.helpers import (
    CCP_URL,
    INCOMING_CONTACT,
    call,
    claim,
    row,
    shot,
    sign_in,
    sign_in_by_keyboard,
    sign_in_with_fake_connect,
    with_connect,
)

# A slow network at the desk: the panel's configuration arrives 1.5 s after the page has loaded, and with
# it the sign-in form. (Not a wait of the test's: the page's own start-up is what is slowed down.)
SLOW_CONFIG = """
(() => {
  const fetch = window.fetch.bind(window);
  window.fetch = (resource, options) =>
    String(resource).endsWith("config.json")
      ? new Promise((resolve) => setTimeout(resolve, 1500)).then(() => fetch(resource, options))
      : fetch(resource, options);
})();
"""


def test_a_new_user_chooses_a_password_at_first_sign_in(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    username = f"trainee{secrets.randbelow(10**6):06d}"
    temporary = f"Temp-{secrets.token_hex(4)}Aa1!"
    chosen = f"Baru-{secrets.token_hex(5)}Zz9#"
    idp = client("cognito-idp", endpoints["aws"], endpoints["region"])
    idp.admin_create_user(
        UserPoolId=endpoints["userPoolId"],
        Username=username,
        TemporaryPassword=temporary,
        MessageAction="SUPPRESS",
    )
    idp.admin_add_user_to_group(UserPoolId=endpoints["userPoolId"], Username=username, GroupName="operator")

    page = new_page()
    page.fill("#login-username", username)
    page.fill("#login-password", "wrong-password")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-message")).to_have_text("Nama pengguna atau kata sandi salah.")

    page.fill("#login-password", temporary)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#newpw-form")).to_be_visible()
    expect(page.locator("#newpw-password")).to_be_focused()
    page.fill("#newpw-password", "tooshort")
    page.fill("#newpw-confirm", "tooshort")
    page.click("#newpw-form button[type=submit]")
    expect(page.locator("#newpw-password-error")).to_contain_text("Minimal 12 karakter")
    page.fill("#newpw-password", chosen)
    page.fill("#newpw-confirm", chosen + "x")
    page.click("#newpw-form button[type=submit]")
    expect(page.locator("#newpw-confirm-error")).to_have_text("Kedua kata sandi tidak sama.")
    page.fill("#newpw-confirm", chosen)
    page.click("#newpw-form button[type=submit]")

    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#user-name")).to_contain_text(username)
    expect(page.locator("#user-role")).to_have_text("Operator")
    # The new password is the one that works from now on.
    answer = idp.initiate_auth(
        ClientId=endpoints["userPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": chosen},
    )
    assert "AuthenticationResult" in answer

    page.click("#logout-button")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#login-message")).to_have_text("Anda sudah keluar.")
    assert page.evaluate("sessionStorage.length") == 0


def test_with_mfa_required_a_new_user_sets_up_an_authenticator_then_signs_in_with_a_code(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    """What production asks (TOTP MFA required): the embedded Cognito accepts any 6-digit code."""
    username = f"trainee{secrets.randbelow(10**6):06d}"
    temporary = f"Temp-{secrets.token_hex(4)}Aa1!"
    chosen = f"Baru-{secrets.token_hex(5)}Zz9#"
    pool = endpoints["userPoolId"]
    idp = client("cognito-idp", endpoints["aws"], endpoints["region"])
    idp.admin_create_user(
        UserPoolId=pool, Username=username, TemporaryPassword=temporary, MessageAction="SUPPRESS"
    )
    idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName="operator")
    idp.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    try:
        page = new_page()
        page.fill("#login-username", username)
        page.fill("#login-password", temporary)
        page.click("#login-form button[type=submit]")
        page.fill("#newpw-password", chosen)
        page.fill("#newpw-confirm", chosen)
        page.click("#newpw-form button[type=submit]")

        expect(page.locator("#mfa-setup-form")).to_be_visible()
        expect(page.locator("#mfa-setup-code")).to_be_focused()
        expect(page.locator("#mfa-secret")).not_to_be_empty()
        expect(page.locator("#mfa-uri")).to_contain_text(
            f"otpauth://totp/Respon%20112%20Kabupaten%20Banyuwangi%3A{username}?secret="
        )
        page.fill("#mfa-setup-code", "12345")
        page.click("#mfa-setup-form button[type=submit]")
        expect(page.locator("#mfa-setup-code-error")).to_have_text("Masukkan 6 angka.")
        page.fill("#mfa-setup-code", "123456")
        page.click("#mfa-setup-form button[type=submit]")
        expect(page.locator("#app-view")).to_be_visible()
        expect(page.locator("#user-name")).to_contain_text(username)

        page.click("#logout-button")
        page.fill("#login-username", username)
        page.fill("#login-password", chosen)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#mfa-form")).to_be_visible()
        expect(page.locator("#mfa-code")).to_be_focused()
        page.fill("#mfa-code", "654321")
        page.keyboard.press("Enter")
        expect(page.locator("#app-view")).to_be_visible()
        expect(page.locator("#user-name")).to_contain_text(username)
    finally:
        idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")


def test_keys_typed_to_sign_in_wait_for_a_sign_in_form_that_comes_late(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    page.add_init_script(SLOW_CONFIG)
    page.reload()  # loaded: the modules ran, the configuration is still on its way

    sign_in_by_keyboard(page, endpoints, "operator6")  # every key in its field, none on the bare page

    expect(page.locator("#user-name")).to_have_text("Masuk sebagai operator6")


def test_english_switch_changes_the_texts_and_survives_a_reload(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    incident_id = call(endpoints)
    page = new_page()
    expect(page.locator("#login-heading")).to_have_text("Masuk")
    sign_in(page, endpoints, "operator7")
    expect(page.locator("#tab-queue")).to_contain_text("Masuk")
    expect(page.locator("html")).to_have_attribute("lang", "id")

    page.click("#lang-button")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#tab-queue")).to_contain_text("Incoming")
    expect(page.locator("#tab-mine")).to_contain_text("Mine")
    expect(page.locator("#logout-button")).to_have_text("Sign out")
    expect(page.locator("#lang-button")).to_have_text("Bahasa Indonesia")
    expect(page.locator("#ccp-status")).to_contain_text("Amazon Connect is not configured")
    expect(row(page, incident_id)).to_contain_text("112 call")
    claim(page, incident_id)
    expect(page.locator("#detail-status")).to_have_text("In review")
    expect(page.locator("#detail-notice")).to_have_text("Incident claimed. You are reviewing it.")
    expect(page.locator("#clock")).to_contain_text("WIB")
    shot(page, artifacts, "06-english")

    page.reload()
    expect(page.locator("#app-view")).to_be_visible()  # still signed in (sessionStorage)
    expect(page.locator("#tab-queue")).to_contain_text("Incoming")
    expect(page.locator("#user-name")).to_have_text("Signed in as operator7")
    page.keyboard.press("l")
    expect(page.locator("#tab-queue")).to_contain_text("Masuk")
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_be_visible()
    expect(page.locator("#help-keys")).to_contain_text("Ambil insiden")
    page.keyboard.press("Escape")
    expect(page.locator("#help-dialog")).to_be_hidden()


def test_without_connect_the_phone_area_says_it_is_not_configured(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, endpoints, "operator8")
    expect(page.locator("#ccp-status")).to_have_text(
        "Amazon Connect belum dikonfigurasi: terima panggilan di telepon meja; panel tetap berfungsi penuh."
    )
    expect(page.locator("#ccp-container")).to_be_hidden()
    assert page.evaluate("typeof window.connect") == "undefined"  # the streams library is not even loaded


UNNAMED_FIELDS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden')
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby') && !el.title)
  .map((el) => el.outerHTML.slice(0, 120))"""

OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width) out.push(`page: ${document.documentElement.scrollWidth}`);
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.leaflet-container') && !el.classList.contains('leaflet-container')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    if (rect.right > width + 1) out.push(`${el.tagName}#${el.id}.${el.className}: right ${rect.right}`);
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      out.push(`${el.tagName}#${el.id}: scrolls ${el.scrollWidth} > ${el.clientWidth}`);
  }
  return out;
}"""


def test_basic_accessibility_at_1366x768(new_page: Callable[[], Page], endpoints: dict[str, Any]) -> None:
    page = new_page()
    assert page.locator("h1").count() == 1
    skip = page.locator("a.skip-link")
    expect(skip).to_have_attribute("href", "#main")
    first = "document.querySelector('a[href], button, input, select, textarea, [tabindex]')"
    # the first stop of the tab order
    assert page.evaluate(f"{first} === document.querySelector('a.skip-link')")
    skip.focus()
    expect(skip).to_be_in_viewport()  # shown when focused
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    assert page.evaluate(UNNAMED_FIELDS) == []
    assert page.evaluate(OVERFLOWING) == []

    sign_in(page, endpoints, "operator9")
    incident_id = call(endpoints, caller="")  # a withheld number: flagged, "tidak diketahui"
    expect(row(page, incident_id)).to_contain_text("tidak diketahui")
    expect(row(page, incident_id).locator('.flag[data-flag="CALLER_UNKNOWN"]')).to_be_visible()
    claim(page, incident_id)
    page.keyboard.press("v")
    expect(page.locator("#verify-form")).to_be_visible()
    page.click("#verify-form button[type=submit]")  # empty: every rule reported next to its field
    for field in ("category", "priority", "location", "summary", "agencies"):
        expect(page.locator(f"#verify-{field}-error")).not_to_be_empty()
    expect(page.locator("#verify-category")).to_be_focused()
    expect(page.locator("#verify-category")).to_have_attribute("aria-invalid", "true")

    assert page.locator("h1").count() == 1
    assert page.evaluate(UNNAMED_FIELDS) == []
    assert page.evaluate(OVERFLOWING) == []
    page.keyboard.press("Escape")
    expect(page.locator("#verify-form")).to_be_hidden()
    expect(page.locator("#verify-button")).to_be_focused()  # focus returns to what opened the form

    page.keyboard.press("?")
    dialog = page.locator("#help-dialog")
    expect(dialog).to_be_visible()
    for _ in range(3):  # Tab stays inside the dialog
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('help-dialog').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def fake_token(**claims: Any) -> str:
    """A JWT-shaped IdToken the API will refuse (no signature) carrying the claims the panel reads."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.x"


def test_an_expiring_session_is_refreshed_and_a_refused_one_returns_to_sign_in(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, endpoints, "operator2")
    stored = json.loads(page.evaluate("sessionStorage.getItem('respon112.session')"))
    assert set(stored) == {"idToken", "accessToken", "refreshToken"}

    # An IdToken past its expiry: at load the panel refreshes it (REFRESH_TOKEN_AUTH) before any call.
    expired = fake_token(exp=int(time.time()) - 60, **{"cognito:username": "operator2"})
    page.evaluate(
        "s => sessionStorage.setItem('respon112.session', s)", json.dumps({**stored, "idToken": expired})
    )
    page.reload()
    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#user-name")).to_contain_text("operator2")
    expect(page.locator("#tab-queue")).to_be_visible()
    refreshed = json.loads(page.evaluate("sessionStorage.getItem('respon112.session')"))
    assert refreshed["idToken"] not in (expired, stored["idToken"])
    assert refreshed["refreshToken"] == stored["refreshToken"]

    # A token the API refuses (401) and no way to refresh it: back to sign-in, saying why.
    claims = {"cognito:username": "operator2", "cognito:groups": ["operator"]}
    refused = fake_token(exp=int(time.time()) + 3600, **claims)
    page.evaluate(
        "s => sessionStorage.setItem('respon112.session', s)",
        json.dumps({"idToken": refused, "accessToken": "x", "refreshToken": "not-a-refresh-token"}),
    )
    page.reload()
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#login-message")).to_have_text("Sesi Anda berakhir. Silakan masuk lagi.")
    expect(page.locator("#app-view")).to_be_hidden()


def test_with_connect_the_vendored_streams_library_embeds_the_ccp(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    with_connect(page)
    sign_in(page, endpoints, "operator8")
    frame = page.locator("#ccp-container iframe")
    expect(frame).to_have_attribute("src", CCP_URL)  # offline here: the frame itself cannot load
    expect(page.locator("#ccp-status")).to_be_empty()
    assert page.evaluate("typeof window.connect.core.initCCP") == "function"


def test_an_incoming_connect_contact_opens_its_incident(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    sign_in_with_fake_connect(page, endpoints, "operator8")
    options = page.evaluate("window.ccpOptions")
    assert options["ccpUrl"] == CCP_URL
    assert options["loginPopup"] is True
    assert options["softphone"]["allowFramedSoftphone"] is True

    incident_id = call(endpoints)
    page.evaluate(INCOMING_CONTACT, incident_id)  # the contact flow set incidentId on the contact
    expect(page.locator("#detail-heading")).to_contain_text(incident_id)
    expect(page.locator("#detail-status")).to_have_attribute("data-status", "RECEIVED")
    expect(page.locator("#announcer")).to_contain_text(incident_id)

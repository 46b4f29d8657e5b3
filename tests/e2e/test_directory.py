"""The agency directory in the panel: the admin edits a post's number on the directory screen (by
keyboard, with the reason kept in its history), operators read it without editing, and the verify form
shows the posts a verification goes to by name, fills the kecamatan from the point, and sends the
operator's choice."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import ApiClient
from tests.e2e.helpers import call, claim, detail, shot, sign_in


def test_the_admin_changes_a_number_on_the_directory_screen(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    page = new_page()
    sign_in_admin(page, endpoints)
    number = f"0812{secrets.randbelow(10**8):08d}"

    expect(page.locator("#app-view")).to_be_hidden()  # the admin works the directory, not incidents
    expect(page.locator("#directory-heading")).to_have_text("Direktori instansi")
    row = page.locator('#directory-list button[data-post="polsek-songgon"]')
    expect(row).to_contain_text("+620001120030")  # a placeholder, marked
    expect(row.locator(".tag.placeholder")).to_have_text("kontak contoh")
    page.keyboard.press("/")
    expect(page.locator("#directory-filter")).to_be_focused()
    page.keyboard.type("songgon")
    expect(page.locator("#directory-list button[data-post]")).to_have_count(2)  # its Polsek and Damkar post
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#post-title")).to_have_text("Polsek Songgon")
    expect(page.locator("#post-placeholder")).to_contain_text("+620001120030")
    expect(page.locator("#post-name")).to_be_focused()
    shot(page, artifacts, "directory-post")

    page.fill("#post-sms", number)
    page.locator("#post-reason").focus()
    page.keyboard.type("Nomor piket dari Kapolsek")
    page.keyboard.press("Control+Enter")

    expect(page.locator("#directory-message")).to_contain_text("Polsek Songgon disimpan")
    expect(row).to_contain_text(f"+62{number[1:]}")
    expect(page.locator("#entry-history-list li").first).to_contain_text("Nomor piket dari Kapolsek")
    expect(page.locator("#post-facts")).to_contain_text("versi 2")
    post = ApiClient(endpoints, "operator1").get("/agencies/posts/polsek-songgon").json()
    assert post["contacts"]["sms"] == [f"+62{number[1:]}"]
    assert post["history"][0]["actor"] == "admin"


def test_a_refused_field_and_a_stale_version_are_said_by_the_field(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    sign_in_admin(page, endpoints)
    page.locator('#directory-list button[data-post="polsek-licin"]').click()
    expect(page.locator("#post-title")).to_have_text("Polsek Licin")

    page.fill("#post-sms", "12345")
    page.fill("#post-reason", "uji")
    page.click("#post-save")
    expect(page.locator("#post-sms-error")).to_contain_text("Ditolak server")
    expect(page.locator("#post-sms")).to_have_attribute("aria-invalid", "true")

    admin = ApiClient(endpoints, "admin")
    current = admin.get("/agencies/posts/polsek-licin").json()
    body = {key: current[key] for key in ("name", "districts", "regencyLevel", "duty", "note", "escalation")}
    contacts = {"sms": current["contacts"]["sms"], "emails": current["contacts"]["emails"]}
    moved = admin.put(
        "/agencies/posts/polsek-licin",
        {
            **body,
            "contacts": contacts,
            "version": current["version"],
            "reason": "di tempat lain",
            "name": "Polsek Licin (baru)",
        },
    )
    assert moved.status_code == 200, moved.text
    page.fill("#post-sms", "081234567890")
    page.click("#post-save")
    expect(page.locator("#post-error")).to_contain_text("diubah orang lain")


def test_operators_read_the_directory_and_change_nothing(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, endpoints, "operator6")

    page.keyboard.press("d")
    expect(page.locator("#directory-heading")).to_be_visible()
    expect(page.locator("#directory-intro")).to_contain_text("Hanya admin")
    page.locator('#directory-list button[data-post="psc119-banyuwangi"]').click()
    expect(page.locator("#post-title")).to_have_text("PSC 119 Banyuwangi")
    expect(page.locator("#post-sms")).to_be_disabled()
    expect(page.locator("#post-save")).to_be_hidden()
    expect(page.locator("#directory-new-type")).to_be_hidden()

    page.keyboard.press("Escape")  # the form
    page.keyboard.press("Escape")  # the screen
    expect(page.locator("#app-view")).to_be_visible()
    page.keyboard.press("l")
    page.keyboard.press("d")
    expect(page.locator("#directory-heading")).to_have_text("Agency directory")
    page.keyboard.press("Escape")
    page.keyboard.press("l")


def test_the_verify_form_shows_the_posts_by_name_and_sends_the_operators_choice(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    incident_id = call(endpoints)
    page = new_page()
    sign_in(page, endpoints, "operator7")
    claim(page, incident_id)

    page.select_option("#verify-category", "FIRE")
    page.select_option("#verify-district", "Genteng")
    posts = page.locator("#verify-post-options li")
    expect(posts).to_have_count(1)
    expect(posts.first).to_contain_text("Pos Damkar Genteng")
    expect(page.locator("#verify-post-damkar-genteng")).to_be_checked()
    expect(page.locator("#verify-posts-hint")).to_contain_text("Kec. Genteng")
    expect(posts.first.locator(".tag.placeholder")).to_be_visible()
    shot(page, artifacts, "verify-posts")

    page.locator("#verify-post-damkar-genteng").uncheck()  # remove it
    page.select_option("#verify-post-add", "damkar-rogojampi")  # add another
    page.click("#verify-post-add-button")
    expect(page.locator("#verify-post-damkar-rogojampi")).to_be_checked()
    page.locator("#verify-priority-P1").check()
    page.fill("#verify-summary", "Gudang terbakar di perbatasan")
    page.click('#verify-form button[type="submit"]')

    expect(page.locator("#detail-notice")).to_contain_text("Pos Damkar Rogojampi")
    verified = detail(ApiClient(endpoints, "operator7"), incident_id)
    assert (verified["agencies"], verified["posts"]) == (["DAMKAR"], ["damkar-rogojampi"])


def test_a_point_on_the_map_fills_the_kecamatan_and_its_posts(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id = call(endpoints)
    page = new_page()
    sign_in(page, endpoints, "operator8")
    claim(page, incident_id)
    page.select_option("#verify-category", "CRIME")

    page.locator("#map").focus()
    page.keyboard.press("Enter")  # the point under the crosshair: the map opens on Banyuwangi town

    expect(page.locator("#verify-district")).to_have_value("Banyuwangi")
    expect(page.locator("#verify-posts-hint")).to_contain_text("batas kecamatan perkiraan")
    expect(page.locator("#verify-post-options li")).to_contain_text(["Polsek Banyuwangi"])
    page.select_option("#verify-district", "Kabat")  # the operator corrects it
    expect(page.locator("#verify-post-options li")).to_contain_text(["Polsek Kabat"])


def sign_in_admin(page: Page, endpoints: dict[str, Any]) -> None:
    """The admin has no workspace: the directory screen is what signing in leads to."""
    page.fill("#login-username", "admin")
    page.fill("#login-password", endpoints["users"]["admin"])
    page.click("#login-form button[type=submit]")
    expect(page.locator("#directory-view")).to_be_visible()
    expect(page.locator("#user-name")).to_contain_text("admin")
    expect(page.locator("#directory-list button[data-post]").first).to_be_visible()

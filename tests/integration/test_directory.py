"""The agency directory on the local stack: seeded at start, changed by the admin through the API with real
Cognito tokens, read by operators, routing a verification by kecamatan; a changed number or name reaches
the verification and dispatch paths within DIRECTORY_CACHE_SECONDS, without a restart."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from core.settings import Settings
from local.simulator import ApiClient, agency_inbox, aml_position, place_call
from tests.integration.helpers import fire_in_genteng, wait_for, wait_for_status

# The bound a change takes to reach every warm environment, and the time a request takes besides.
CACHE_BOUND = float(Settings.model_fields["directory_cache_seconds"].default)
SLACK = 10.0


def unique_caller() -> str:
    return f"+62813{secrets.randbelow(10**7):07d}"


def verified(endpoints: dict[str, Any], operator: ApiClient, **body: Any) -> str:
    incident_id = place_call(endpoints, unique_caller())["incidentId"]
    assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
    response = operator.post(f"/incidents/{incident_id}/verify", fire_in_genteng(**body))
    assert response.status_code == 200, response.text
    return incident_id


def post_body(post: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A PUT body from a post as GET answers it."""
    body = {
        "name": post["name"],
        "districts": post["districts"],
        "regencyLevel": post["regencyLevel"],
        "contacts": {"sms": post["contacts"]["sms"], "emails": post["contacts"]["emails"]},
        "escalation": post["escalation"],
        "duty": post["duty"],
        "note": post["note"],
        "version": post["version"],
        "active": post["active"],
        "reason": "integration test",
    }
    return {**body, **changes}


def test_the_seeded_directory_is_read_by_operators_and_changed_only_by_the_admin(
    api_for: Callable[[str], ApiClient],
) -> None:
    operator, admin = api_for("operator1"), api_for("admin")
    directory = operator.get("/agencies")
    assert directory.status_code == 200, directory.text
    damkar = next(t for t in directory.json()["types"] if t["code"] == "DAMKAR")
    genteng = next(p for p in damkar["posts"] if p["id"] == "damkar-genteng")
    assert genteng["placeholder"] is True
    assert "Genteng" in genteng["districts"]

    post = admin.get("/agencies/posts/polsek-glenmore").json()
    refused = operator.put("/agencies/posts/polsek-glenmore", post_body(post, name="Polsek Glenmore Baru"))
    changed = admin.put("/agencies/posts/polsek-glenmore", post_body(post, name="Polsek Glenmore Baru"))
    stale = admin.put("/agencies/posts/polsek-glenmore", post_body(post, name="Lagi"))

    assert refused.status_code == 403, refused.text
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == post["version"] + 1
    assert stale.status_code == 409
    assert admin.get("/incidents").status_code == 403  # the admin works the directory, not incidents
    history = operator.get("/agencies/posts/polsek-glenmore").json()["history"]
    assert (history[0]["actor"], history[0]["reason"]) == ("admin", "integration test")
    assert history[-1]["actor"] == "system:seed"


def test_a_fire_verified_in_genteng_goes_to_the_genteng_damkar_post(
    endpoints: dict[str, Any], api_for: Callable[[str], ApiClient]
) -> None:
    operator = api_for("operator2")
    suggestion = operator.get("/agencies/suggestion", category="FIRE", district="Genteng").json()
    assert [[p["id"] for p in a["posts"]] for a in suggestion["agencies"]] == [["damkar-genteng"]]

    incident_id = verified(endpoints, operator)
    detail = wait_for_status(operator, incident_id, "DISPATCHED")

    assert (detail["agencies"], detail["posts"]) == (["DAMKAR"], ["damkar-genteng"])
    assert [(d["agency"], d["posts"]) for d in detail["dispatches"]] == [("DAMKAR", ["damkar-genteng"])]
    (record,) = [m for m in agency_inbox(endpoints, "DAMKAR") if m["incident"]["id"] == incident_id]
    assert record["posts"] == [{"id": "damkar-genteng", "name": "Pos Damkar Genteng"}]


def test_a_changed_number_reaches_verification_without_a_restart(api_for: Callable[[str], ApiClient]) -> None:
    operator, admin = api_for("operator3"), api_for("admin")
    post = admin.get("/agencies/posts/polsek-licin").json()
    number = f"+62812{secrets.randbelow(10**7):07d}"

    changed = admin.put("/agencies/posts/polsek-licin", post_body(post, contacts={"sms": [number]}))

    assert changed.status_code == 200, changed.text
    assert operator.get("/agencies/posts/polsek-licin").json()["contacts"]["sms"] == [number]  # at once

    def suggested_number() -> bool:
        answer = operator.get("/agencies/suggestion", agencies="POLICE", district="Licin").json()
        return bool(answer["agencies"][0]["posts"][0]["sms"] == [number])

    wait_for(suggested_number, CACHE_BOUND + SLACK, "the new number in the verify form's suggestion")


def test_a_renamed_post_reaches_what_the_dispatch_worker_sends_without_a_restart(
    endpoints: dict[str, Any], api_for: Callable[[str], ApiClient]
) -> None:
    operator, admin = api_for("operator4"), api_for("admin")
    post = admin.get("/agencies/posts/damkar-wongsorejo").json()
    name = f"Pos Damkar Wongsorejo {secrets.token_hex(3)}"
    assert admin.put("/agencies/posts/damkar-wongsorejo", post_body(post, name=name)).status_code == 200
    location = {"district": "Wongsorejo", "address": "Pelabuhan Ketapang"}

    def dispatched_with_the_new_name() -> bool:
        incident_id = verified(endpoints, operator, location=location)
        wait_for_status(operator, incident_id, "DISPATCHED")
        (record,) = [m for m in agency_inbox(endpoints, "DAMKAR") if m["incident"]["id"] == incident_id]
        return bool(record["posts"] == [{"id": "damkar-wongsorejo", "name": name}])

    wait_for(dispatched_with_the_new_name, CACHE_BOUND + SLACK, "the new name in what the post is sent", 0)


def test_a_handsets_position_gives_the_call_its_kecamatan(
    endpoints: dict[str, Any], api_for: Callable[[str], ApiClient]
) -> None:
    operator = api_for("operator5")
    caller = unique_caller()
    incident_id = place_call(endpoints, caller)["incidentId"]

    response = aml_position(endpoints, caller, -8.36611, 114.15012, 12.0, https=True)

    assert response.status_code < 300, response.text

    def located() -> dict[str, Any] | None:
        detail: dict[str, Any] = operator.get(f"/incidents/{incident_id}").json()
        return detail if detail.get("aml") else None

    detail = wait_for(located, 10, "the AML fix on the incident")
    assert detail["location"] == {"district": "Genteng", "lat": None, "lon": None, "address": None}
    assert detail["timeline"][-1]["details"]["district"] == "Genteng"

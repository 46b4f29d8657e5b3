"""verify-api's agency directory routes over the in-memory fakes: admins change it, operators and
supervisors read it, nobody else; versions, 404s, field messages; the suggestion; verify with posts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from core.agency_directory import DirectoryService
from core.incidents import IncidentService
from core.regency import REGENCIES
from tests.fakes import InMemoryAgencyStore, InMemoryIncidentRepository, RecordingDispatchQueue
from tests.support import EVENTS, Clock, FakeLambdaContext, apigw_event, load_event, response_json
from verify.api import lambda_handler, openapi_schema

BANYUWANGI = REGENCIES["banyuwangi"]
SECRET = "a-shared-secret-of-at-least-32-characters"


@dataclass
class Api:
    service: IncidentService
    agencies: DirectoryService
    context: FakeLambdaContext

    def __call__(self, event: dict[str, Any]) -> tuple[int, Any]:
        response = lambda_handler(event, self.context, service=self.service, agencies=self.agencies)
        return response["statusCode"], response_json(response) if response.get("body") else None

    def raw(self, event: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = lambda_handler(
            event, self.context, service=self.service, agencies=self.agencies
        )
        return response


@pytest.fixture
def api(
    repo: InMemoryIncidentRepository,
    queue: RecordingDispatchQueue,
    clock: Clock,
    agencies: DirectoryService,
    lambda_context: FakeLambdaContext,
) -> Api:
    # Verification reads the directory fresh here: the cache's bound is test_agency_directory's.
    service = IncidentService(repo, BANYUWANGI, queue, clock, agencies=agencies.snapshot)
    return Api(service, agencies, lambda_context)


def request(
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    username: str | None = "admin1",
    groups: str = "admin",
) -> dict[str, Any]:
    """An event of the API's shape (the sample's), for any directory route."""
    event = apigw_event("update-agency-post", body=body, query=query, username=username, groups=groups)
    parts = path.strip("/").split("/")
    resource, parameters = path, {}
    if len(parts) == 4 and parts[2] in ("types", "posts"):
        name = "code" if parts[2] == "types" else "post_id"
        resource, parameters = f"/agencies/{parts[2]}/{{{name}}}", {name: parts[3]}
    event.update(httpMethod=method, path=path, resource=resource, pathParameters=parameters or None)
    event["requestContext"].update(httpMethod=method, resourcePath=resource, path=f"/prod{path}")
    if body is None:
        event["body"] = None
    return event


def sample_post(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(load_event("apigw/update-agency-post.json")["body"])
    return {**body, **changes}


def new_post(**changes: Any) -> dict[str, Any]:
    body = sample_post(**changes)
    body.pop("version")
    body.pop("active")
    return {"agency": "POLICE", **body}


# -- who may do what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("groups", ["operator", "supervisor", "admin", "operator,admin"])
def test_operators_supervisors_and_admins_read_the_directory(api: Api, groups: str) -> None:
    status, directory = api(request("GET", "/agencies", groups=groups, username="someone"))

    assert status == 200
    codes = [t["code"] for t in directory["types"]]
    assert {"DAMKAR", "POLICE", "PSC119", "SATPOL_PP"} <= set(codes)
    police = next(t for t in directory["types"] if t["code"] == "POLICE")
    genteng = next(p for p in police["posts"] if p["id"] == "polsek-genteng")
    assert genteng["placeholder"] is True
    assert genteng["contacts"]["sms"] == ["+620001120015"]
    assert "Genteng" in directory["districts"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/agencies/posts/polsek-genteng", sample_post()),
        ("POST", "/agencies/posts/polsek-baru", new_post()),
        ("DELETE", "/agencies/posts/polsek-genteng", None),
        (
            "POST",
            "/agencies/types/KODIM",
            {"nameId": "Kodim", "nameEn": "Army district", "reason": "mitra baru"},
        ),
    ],
)
@pytest.mark.parametrize("groups", ["operator", "supervisor"])
def test_operators_and_supervisors_change_nothing(
    api: Api, agency_store: InMemoryAgencyStore, method: str, path: str, body: Any, groups: str
) -> None:
    query = {"version": "1", "reason": "tutup"} if method == "DELETE" else None
    writes = agency_store.calls["put_post"] + agency_store.calls["put_type"]

    status, answer = api(request(method, path, body, query, username="operator1", groups=groups))

    assert status == 403, answer
    assert "admin group" in answer["message"]
    assert agency_store.calls["put_post"] + agency_store.calls["put_type"] == writes


def test_a_user_in_no_group_reads_nothing_and_an_admin_opens_no_incident(api: Api) -> None:
    assert api(request("GET", "/agencies", groups="", username="stranger"))[0] == 403
    assert api(request("GET", "/agencies", username=None))[0] == 401
    admin_on_incidents = apigw_event("list-incidents", username="admin1", groups="admin")
    assert api(admin_on_incidents)[0] == 403


def incident_samples() -> list[str]:
    """The valid samples of every secured verify-api route outside the directory: the incidents, the
    callback desk, /me and /operators (so a route added later is held to decision 32 as well)."""
    document = openapi_schema()
    names = []
    for path in sorted((EVENTS / "apigw").glob("*.json")):
        if path.stem.endswith(("-invalid", "-malformed")):
            continue
        event = load_event(f"apigw/{path.name}")
        operation = document["paths"].get(event["resource"], {}).get(event["httpMethod"].lower())
        if operation and operation.get("security") and not event["resource"].startswith("/agencies"):
            names.append(path.stem)
    return names


@pytest.mark.parametrize("name", incident_samples())
def test_an_admin_is_refused_on_every_route_outside_the_directory(
    api: Api, repo: InMemoryIncidentRepository, name: str
) -> None:
    """Decision 32: admin edits the directory and opens nothing else, the callback desk included."""
    status, answer = api(apigw_event(name, username="admin1", groups="admin"))

    assert status == 403, (name, answer)
    assert "not in the operator or supervisor group" in answer["message"]
    assert not repo.calls  # refused before anything was read or written


# -- changes -----------------------------------------------------------------------------------------------


def test_an_admin_changes_a_number_with_its_version_and_reason(api: Api) -> None:
    status, post = api(load_event("apigw/update-agency-post.json"))

    assert status == 200, post
    assert (post["version"], post["updatedBy"], post["placeholder"]) == (2, "admin1", False)
    assert post["contacts"]["sms"] == ["+6281234567890"]
    assert post["contacts"]["https"]["url"] == "https://cad.polresta.example.go.id/112"
    assert post["contacts"]["https"]["secretSetAt"]
    assert SECRET not in json.dumps(post)
    status, detail = api(request("GET", "/agencies/posts/polsek-genteng", groups="operator"))
    assert status == 200
    assert [c["version"] for c in detail["history"]] == [2, 1]
    assert detail["history"][0]["reason"] == "Nomor piket baru dari Kapolsek"
    assert detail["history"][0]["before"]["contacts"]["sms"] == ["+620001120015"]
    assert detail["history"][0]["secretChanged"] is True
    assert SECRET not in json.dumps(detail)


def test_a_stale_version_is_409_and_an_unknown_entry_404(api: Api) -> None:
    assert api(load_event("apigw/update-agency-post.json"))[0] == 200

    status, conflict = api(load_event("apigw/update-agency-post.json"))
    missing, body = api(request("PUT", "/agencies/posts/polsek-gotham", sample_post()))

    assert status == 409
    assert conflict["code"] == "CONFLICT"
    assert "version 2, not 1" in conflict["message"]
    assert missing == 404
    assert body["message"] == "post polsek-gotham not found"
    assert api(request("GET", "/agencies/types/KODIM", groups="operator"))[0] == 404


def test_creating_and_deactivating(api: Api) -> None:
    created = api(
        request(
            "POST",
            "/agencies/types/KODIM",
            {"nameId": "Kodim 0825", "nameEn": "Army district", "reason": "mitra"},
        )
    )
    post = api(
        request(
            "POST",
            "/agencies/posts/kodim-0825",
            new_post(agency="KODIM", name="Kodim 0825 Banyuwangi", districts=[], regencyLevel=True),
        )
    )
    again = api(
        request("POST", "/agencies/types/KODIM", {"nameId": "Kodim", "nameEn": "Army", "reason": "lagi"})
    )
    deactivated = api(
        request("DELETE", "/agencies/posts/kodim-0825", query={"version": "1", "reason": "bukan 112"})
    )

    assert (created[0], created[1]["version"]) == (201, 1)
    assert (post[0], post[1]["agency"]) == (201, "KODIM")
    assert (again[0], again[1]["code"]) == (409, "CONFLICT")
    assert "exists already" in again[1]["message"]
    assert (deactivated[0], deactivated[1]["active"], deactivated[1]["version"]) == (200, False, 2)
    assert (
        api(request("DELETE", "/agencies/posts/kodim-0825", query={"version": "1", "reason": "lagi"}))[0]
        == 409
    )


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (new_post(districts=["Gotham"]), ["body", "districts", "0"]),
        (new_post(agency="KODIM"), ["body", "agency"]),
        (new_post(districts=[], regencyLevel=False), ["body", "districts"]),
        (
            new_post(contacts={"https": {"url": "https://cad.example.go.id/in"}}),
            ["body", "contacts", "https", "secret"],
        ),
        (new_post(colour="red"), ["body", "colour"]),
    ],
)
def test_a_post_that_breaks_a_rule_is_422_naming_the_field(
    api: Api, body: dict[str, Any], loc: list[str]
) -> None:
    status, answer = api(request("POST", "/agencies/posts/polsek-baru", body))

    assert status == 422, answer
    assert [d["loc"] for d in answer["detail"]] == [loc]


@pytest.mark.parametrize(
    "path",
    [
        "/agencies/posts/Polsek_Genteng",
        "/agencies/posts/-polsek",
        "/agencies/types/damkar",
        "/agencies/types/" + "A" * 40,
    ],
)
def test_ids_and_codes_are_bounded_before_they_become_keys(api: Api, path: str) -> None:
    status, answer = api(request("GET", path, groups="operator"))

    assert status == 422
    assert answer["detail"][0]["loc"][0] == "path"


def test_the_posts_of_a_type_covering_a_kecamatan(api: Api) -> None:
    status, posts = api(
        request("GET", "/agencies/posts", query={"type": "DAMKAR", "district": "sempu"}, groups="operator")
    )

    assert status == 200
    assert [p["id"] for p in posts] == ["damkar-banyuwangi", "damkar-genteng"]  # the HQ covers the regency
    assert (
        api(
            request(
                "GET", "/agencies/posts", query={"type": "DAMKAR", "district": "Gotham"}, groups="operator"
            )
        )[0]
        == 422
    )


def test_the_directory_answers_an_unchanged_poll_with_a_304(api: Api) -> None:
    first = api.raw(request("GET", "/agencies", groups="operator"))
    (etag,) = first["multiValueHeaders"]["ETag"]
    event = request("GET", "/agencies", groups="operator")
    event["headers"]["If-None-Match"] = etag

    assert api.raw(event)["statusCode"] == 304
    api(load_event("apigw/update-agency-post.json"))
    assert api.raw(event)["statusCode"] == 200  # a changed number is a changed directory


# -- the suggestion and verify ----------------------------------------------------------------------------


def test_the_sample_suggestion_is_the_genteng_damkar_post(api: Api) -> None:
    status, suggestion = api(load_event("apigw/agency-suggestion.json"))

    assert status == 200
    assert suggestion["district"] == "Genteng"
    ((damkar),) = suggestion["agencies"]
    assert (damkar["code"], damkar["fallback"]) == ("DAMKAR", False)
    assert [(p["id"], p["name"]) for p in damkar["posts"]] == [("damkar-genteng", "Pos Damkar Genteng")]


def test_the_suggestion_from_a_point_and_for_chosen_types(api: Api) -> None:
    query = {"agencies": "POLICE,PSC119", "lat": "-8.36611", "lon": "114.15012"}

    status, suggestion = api(request("GET", "/agencies/suggestion", query=query, groups="operator"))

    assert status == 200
    assert (suggestion["district"], suggestion["districtFromPoint"], suggestion["boundariesApproximate"]) == (
        "Genteng",
        True,
        True,
    )
    assert [[p["id"] for p in a["posts"]] for a in suggestion["agencies"]] == [
        ["polsek-genteng"],
        ["psc119-banyuwangi"],
    ]


def test_verify_takes_the_operators_posts_and_refuses_unknown_ones(api: Api, clock: Clock) -> None:
    status, incident = api(
        apigw_event("open-incident", body={"channel": "WALK_IN", "summary": "Asap tebal dari gudang"})
    )
    assert status == 201
    incident_id = incident["id"]
    assert api(apigw_event("claim-incident", incident_id=incident_id))[0] == 200
    body = {
        "category": "FIRE",
        "priority": "P1",
        "location": {"district": "Genteng"},
        "summary": "Gudang terbakar",
    }

    unknown = api(
        apigw_event("verify-incident", incident_id=incident_id, body={**body, "posts": ["damkar-gotham"]})
    )
    status, verified = api(
        apigw_event(
            "verify-incident",
            incident_id=incident_id,
            body={**body, "posts": ["damkar-genteng", "polsek-genteng"]},
        )
    )

    assert unknown[0] == 422
    assert unknown[1]["detail"][0]["loc"] == ["body", "posts"]
    assert status == 200
    assert (verified["agencies"], verified["posts"]) == (
        ["DAMKAR", "POLICE"],
        ["damkar-genteng", "polsek-genteng"],
    )


def test_verify_without_posts_routes_by_kecamatan(api: Api) -> None:
    status, incident = api(
        apigw_event("open-incident", body={"channel": "RADIO", "summary": "Kebakaran lahan"})
    )
    assert status == 201
    assert api(apigw_event("claim-incident", incident_id=incident["id"]))[0] == 200
    body = {
        "category": "FIRE",
        "priority": "P2",
        "location": {"district": "pesanggaran"},
        "summary": "Lahan terbakar",
    }

    status, verified = api(apigw_event("verify-incident", incident_id=incident["id"], body=body))

    assert status == 200, verified
    assert verified["posts"] == ["damkar-pesanggaran"]


def test_an_unknown_kecamatan_in_the_suggestion_is_named_as_the_query_spelled_it(api: Api) -> None:
    event = request("GET", "/agencies/suggestion", query={"district": "Gotham"}, groups="operator")

    status, answer = api(event)

    assert status == 422
    assert [d["loc"] for d in answer["detail"]] == [["query", "district"]]

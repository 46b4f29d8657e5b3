"""The agency directory: agency types and their posts, read by operators, supervisors and admins, changed by
the admin group only (docs/decisions.md 32, 45); and the suggestion the verify form shows, the posts a
verification would go to (46).

A change names the version it was read at (a race answers 409) and why (kept in the entry's history);
DELETE deactivates, never deletes: incidents and dispatch records name the entry.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from core.agencies import Suggestion
from core.directory_models import (
    AgencyType,
    Directory,
    Post,
    PostCreate,
    PostDetail,
    PostUpdate,
    Reason,
    TypeCreate,
    TypeDetail,
    TypeUpdate,
)
from core.models import AGENCY_CODE_PATTERN, MAX_AGENCY_TYPES, POST_ID_PATTERN, Category
from verify.routes.request import SECURED, Agencies, CurrentAdmin, CurrentReader, Service, directory_responses

router = Router()

CodeParam = Annotated[str, Path(pattern=AGENCY_CODE_PATTERN, max_length=32, description="Agency type code")]
PostIdParam = Annotated[str, Path(pattern=POST_ID_PATTERN, max_length=64, description="Post id")]
VersionQuery = Annotated[int, Query(ge=1, description="The version you read: a change since answers 409")]
ReasonQuery = Annotated[Reason, Query(description="Why it is deactivated (kept in its history)")]
CODES_PATTERN = r"^[A-Z][A-Z0-9_]{1,31}(,[A-Z][A-Z0-9_]{1,31})*$"
TAGS = ["agencies"]


def _created(entry: AgencyType | Post) -> Response[AgencyType | Post]:
    return Response(
        status_code=int(HTTPStatus.CREATED), content_type=content_types.APPLICATION_JSON, body=entry
    )


@router.get(
    "/agencies",
    security=SECURED,
    tags=TAGS,
    summary="The agency directory: every type with its posts (deactivated ones marked)",
    responses=directory_responses("The directory", 401, 403),
)
def get_directory(reader: CurrentReader, agencies: Agencies) -> Directory:
    return agencies.directory()


@router.get(
    "/agencies/suggestion",
    security=SECURED,
    tags=TAGS,
    summary="The posts a verification would go to: per agency type, those covering the kecamatan",
    description="The types given in `agencies`, else those the category is suggested for; the kecamatan "
    "given, else the one the point lies in (the regency's boundaries); for each type its posts covering "
    "the kecamatan, else its regency-level posts (`fallback`). What verify does when it is sent no posts.",
    responses=directory_responses("The suggestion", 401, 403),
)
def get_suggestion(
    reader: CurrentReader,
    service: Service,
    category: Annotated[Category | None, Query()] = None,
    agencies: Annotated[
        str | None,
        Query(max_length=MAX_AGENCY_TYPES * 33, pattern=CODES_PATTERN, description="Codes, comma-separated"),
    ] = None,
    district: Annotated[str | None, Query(min_length=2, max_length=64, description="Kecamatan")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> Suggestion:
    codes = tuple(dict.fromkeys(agencies.split(","))) if agencies else ()
    return service.suggest(category, codes, district, lat, lon)


@router.get(
    "/agencies/posts",
    security=SECURED,
    tags=TAGS,
    summary="The posts of an agency type, or those of it covering a kecamatan (or the whole regency)",
    responses=directory_responses("The posts, by name", 401, 403),
)
def list_posts(
    reader: CurrentReader,
    agencies: Agencies,
    type: Annotated[str, Query(pattern=AGENCY_CODE_PATTERN, max_length=32, description="Agency type code")],
    district: Annotated[str | None, Query(min_length=2, max_length=64, description="Kecamatan")] = None,
) -> list[Post]:
    return agencies.posts(type, district)


# -- types ------------------------------------------------------------------------------------------------


@router.get(
    "/agencies/types/<code>",
    security=SECURED,
    tags=TAGS,
    summary="An agency type with its history",
    responses=directory_responses("The type and its changes, newest first", 401, 403, 404),
)
def get_type(reader: CurrentReader, agencies: Agencies, code: CodeParam) -> TypeDetail:
    return agencies.type_detail(code)


@router.post(
    "/agencies/types/<code>",
    security=SECURED,
    tags=TAGS,
    summary="Admins: add an agency type",
    status_code=201,
    responses=directory_responses("The new type", 400, 401, 403, 409, status=201),
)
def create_type(
    admin: CurrentAdmin, agencies: Agencies, code: CodeParam, request: Annotated[TypeCreate, Body()]
) -> Response[AgencyType | Post]:
    return _created(agencies.create_type(code, request, admin.username))


@router.put(
    "/agencies/types/<code>",
    security=SECURED,
    tags=TAGS,
    summary="Admins: change an agency type (its names, categories, active)",
    responses=directory_responses("The type as it is now", 400, 401, 403, 404, 409),
)
def update_type(
    admin: CurrentAdmin, agencies: Agencies, code: CodeParam, request: Annotated[TypeUpdate, Body()]
) -> AgencyType:
    return agencies.update_type(code, request, admin.username)


@router.delete(
    "/agencies/types/<code>",
    security=SECURED,
    tags=TAGS,
    summary="Admins: deactivate an agency type (kept: incidents name it; a PUT brings it back)",
    responses=directory_responses("The type, deactivated", 401, 403, 404, 409),
)
def deactivate_type(
    admin: CurrentAdmin, agencies: Agencies, code: CodeParam, version: VersionQuery, reason: ReasonQuery
) -> AgencyType:
    return agencies.deactivate_type(code, version, reason, admin.username)


# -- posts ------------------------------------------------------------------------------------------------


@router.get(
    "/agencies/posts/<post_id>",
    security=SECURED,
    tags=TAGS,
    summary="A post with its history",
    responses=directory_responses("The post and its changes, newest first", 401, 403, 404),
)
def get_post(reader: CurrentReader, agencies: Agencies, post_id: PostIdParam) -> PostDetail:
    return agencies.post_detail(post_id)


@router.post(
    "/agencies/posts/<post_id>",
    security=SECURED,
    tags=TAGS,
    summary="Admins: add a post or unit",
    status_code=201,
    responses=directory_responses("The new post", 400, 401, 403, 409, status=201),
)
def create_post(
    admin: CurrentAdmin, agencies: Agencies, post_id: PostIdParam, request: Annotated[PostCreate, Body()]
) -> Response[AgencyType | Post]:
    return _created(agencies.create_post(post_id, request, admin.username))


@router.put(
    "/agencies/posts/<post_id>",
    security=SECURED,
    tags=TAGS,
    summary="Admins: change a post (contacts, coverage, duty hours, active; a new HTTPS secret)",
    responses=directory_responses("The post as it is now", 400, 401, 403, 404, 409),
)
def update_post(
    admin: CurrentAdmin, agencies: Agencies, post_id: PostIdParam, request: Annotated[PostUpdate, Body()]
) -> Post:
    return agencies.update_post(post_id, request, admin.username)


@router.delete(
    "/agencies/posts/<post_id>",
    security=SECURED,
    tags=TAGS,
    summary="Admins: deactivate a post (kept: incidents name it; a PUT brings it back)",
    responses=directory_responses("The post, deactivated", 401, 403, 404, 409),
)
def deactivate_post(
    admin: CurrentAdmin, agencies: Agencies, post_id: PostIdParam, version: VersionQuery, reason: ReasonQuery
) -> Post:
    return agencies.deactivate_post(post_id, version, reason, admin.username)

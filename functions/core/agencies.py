"""Which agencies take which incident: the agency types a category needs and, in the incident's kecamatan,
which of their posts (routing by category x kecamatan, docs/decisions.md 46).

The directory is data (core/directory_models.py); this module holds the rule that reads it, and the
built-in types every deployment starts with (seeded into the directory; used alone only while the
directory cannot be read). The operator sees the suggestion by name and changes it at will: it proposes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import Field

from core.directory_models import AgencyType, Post
from core.errors import InvalidRequest
from core.models import Agency, AgencyCode, CamelModel, Category, Incident, PostId
from core.regency import Regency

BUILT_IN = "system:built-in"


@dataclass(frozen=True)
class AgencyInfo:
    code: str
    name_id: str  # Bahasa Indonesia first
    name_en: str


# The five types every deployment starts with, and the categories each is suggested for: the starter
# routing of a regional 112 centre. The directory's seed (core/directory_seed.py) copies them.
AGENCIES: Mapping[str, AgencyInfo] = {
    Agency.DAMKAR: AgencyInfo(Agency.DAMKAR, "Pemadam Kebakaran (Damkar)", "Fire brigade"),
    Agency.POLICE: AgencyInfo(Agency.POLICE, "Kepolisian (Polresta/Polsek)", "Police"),
    Agency.PSC119: AgencyInfo(Agency.PSC119, "Ambulans PSC 119 (Dinas Kesehatan)", "Ambulance / PSC 119"),
    Agency.BPBD: AgencyInfo(Agency.BPBD, "Badan Penanggulangan Bencana Daerah", "Disaster management agency"),
    Agency.BASARNAS: AgencyInfo(Agency.BASARNAS, "Basarnas (Pencarian dan Pertolongan)", "Search and rescue"),
}

ROUTES: Mapping[Category, tuple[str, ...]] = {
    Category.FIRE: (Agency.DAMKAR,),
    Category.CRIME: (Agency.POLICE,),
    Category.MEDICAL: (Agency.PSC119,),
    Category.TRAFFIC_ACCIDENT: (Agency.POLICE, Agency.PSC119),
    Category.DISASTER: (Agency.BPBD,),
    Category.RESCUE: (Agency.BASARNAS,),
    Category.OTHER: (),  # the operator names the agency
}


@dataclass(frozen=True)
class DirectorySnapshot:
    """The directory as read at one moment (deactivated entries included: incidents name them)."""

    types: tuple[AgencyType, ...]
    posts: tuple[Post, ...]
    built_in: bool = False  # the directory could not be read: the built-in types, and no post
    _types: dict[str, AgencyType] = field(init=False, repr=False, compare=False)
    _posts: dict[str, Post] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_types", {t.code: t for t in self.types})
        object.__setattr__(self, "_posts", {p.id: p for p in self.posts})

    def type(self, code: str) -> AgencyType | None:
        return self._types.get(code)

    def post(self, post_id: str) -> Post | None:
        return self._posts.get(post_id)

    def posts_of(self, code: str) -> list[Post]:
        """The type's active posts, by name."""
        return sorted((p for p in self.posts if p.agency == code and p.active), key=lambda p: p.name)


def built_in_snapshot(now: datetime | None = None) -> DirectorySnapshot:
    at = now or datetime(2025, 1, 1, tzinfo=UTC)
    types = tuple(
        AgencyType(
            code=info.code,
            name_id=info.name_id,
            name_en=info.name_en,
            categories=[c for c, codes in ROUTES.items() if info.code in codes],
            version=1,
            updated_at=at,
            updated_by=BUILT_IN,
        )
        for info in AGENCIES.values()
    )
    return DirectorySnapshot(types, (), built_in=True)


def types_for(snapshot: DirectorySnapshot, category: Category | None) -> tuple[str, ...]:
    """The active types suggested for a category, by code."""
    if category is None:
        return ()
    return tuple(sorted(t.code for t in snapshot.types if t.active and category in t.categories))


def suggested_posts(
    snapshot: DirectorySnapshot, agency: str, district: str | None
) -> tuple[list[Post], bool]:
    """The type's active posts covering `district`; where none does (or no district is known), its
    regency-level posts, and True: the fallback."""
    posts = snapshot.posts_of(agency)
    covering = [p for p in posts if p.covers(district)]
    if covering:
        return covering, False
    return [p for p in posts if p.regency_level], True


@dataclass(frozen=True)
class Routing:
    agencies: tuple[str, ...]
    posts: tuple[str, ...]


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def route(
    snapshot: DirectorySnapshot,
    category: Category,
    district: str | None,
    agencies: Sequence[str] | None = None,
    posts: Sequence[str] | None = None,
) -> Routing:
    """The agency types and posts an A1 incident goes to. The operator's posts when given (their types
    are added to the types); else, for each type (the operator's, or the category's), the posts
    suggested for the kecamatan. InvalidRequest names an unknown or deactivated type or post."""
    chosen_posts: list[Post] = []
    for post_id in _dedupe(posts or ()):
        post = snapshot.post(post_id)
        if post is None or not post.active:
            problem = "deactivated" if post else "not a post of the agency directory"
            raise InvalidRequest("posts", f"{post_id} is {problem}")
        chosen_posts.append(post)
    types = _dedupe([*(agencies or ()), *(p.agency for p in chosen_posts)])
    if not types:
        types = types_for(snapshot, category)
    for code in types:
        agency_type = snapshot.type(code)
        if agency_type is None or not agency_type.active:
            problem = "deactivated" if agency_type else "not an agency type of the directory"
            raise InvalidRequest("agencies", f"{code} is {problem}")
    if posts is not None:
        return Routing(types, tuple(p.id for p in chosen_posts))
    suggested = [p.id for code in types for p in suggested_posts(snapshot, code, district)[0]]
    return Routing(types, _dedupe(suggested))


# -- what the verify form shows ---------------------------------------------------------------------


class SuggestedPost(CamelModel):
    id: PostId
    name: str
    regency_level: bool
    placeholder: bool = Field(description="Its contacts are placeholders: nothing reaches it")
    on_duty: bool = Field(description="Within its duty hours now")
    sms: list[str] = Field(default_factory=list, description="Its numbers, to call it by phone")


class SuggestedAgency(CamelModel):
    code: AgencyCode
    name_id: str
    name_en: str
    fallback: bool = Field(
        description="No post of the type covers the kecamatan (or none is known): its regency-level posts"
    )
    posts: list[SuggestedPost]


class Suggestion(CamelModel):
    """GET /agencies/suggestion: for each agency type, the posts the incident would go to."""

    district: str | None = Field(description="The kecamatan the posts were chosen for")
    district_from_point: bool = Field(
        default=False,
        description="Found from the point by the regency's boundaries (the operator may correct)",
    )
    boundaries_approximate: bool = Field(
        default=False, description="Those boundaries are an approximation (the development file)"
    )
    agencies: list[SuggestedAgency]
    directory_unavailable: bool = Field(
        default=False, description="The directory could not be read: built-in types, no posts"
    )


def suggestion(
    snapshot: DirectorySnapshot, types: Sequence[str], district: str | None, regency: Regency, now: datetime
) -> Suggestion:
    agencies = []
    for code in types:
        agency_type = snapshot.type(code)
        if agency_type is None or not agency_type.active:
            continue
        posts, fallback = suggested_posts(snapshot, code, district)
        agencies.append(
            SuggestedAgency(
                code=code,
                name_id=agency_type.name_id,
                name_en=agency_type.name_en,
                fallback=fallback,
                posts=[
                    SuggestedPost(
                        id=p.id,
                        name=p.name,
                        regency_level=p.regency_level,
                        placeholder=p.placeholder,
                        on_duty=p.duty.on_duty(now, regency),
                        sms=list(p.contacts.sms),
                    )
                    for p in posts
                ],
            )
        )
    return Suggestion(district=district, agencies=agencies, directory_unavailable=snapshot.built_in)


# -- what the dispatch worker needs ------------------------------------------------------------------


def posts_by_agency(snapshot: DirectorySnapshot, incident: Incident) -> dict[str, list[str]]:
    """The incident's posts under each of its agency types (for the dispatch records)."""
    grouped: dict[str, list[str]] = {agency: [] for agency in incident.agencies}
    for post_id in incident.posts:
        post = snapshot.post(post_id)
        if post is not None and post.agency in grouped:
            grouped[post.agency].append(post_id)
    return grouped

"""The agency directory as data: agency types (Damkar, Polisi, Satpol PP, …) and, under each, its posts or
units (Polsek Genteng, Pos Damkar Rogojampi, PSC 119, …) with the kecamatan each covers, its contacts, a
second contact for escalation and its duty hours. docs/decisions.md 45; the rules that change them are in
core/agency_directory.py, the suggestion at verification in core/agencies.py.

Contacts are checked as a person types them (E.164 numbers, e-mail addresses, an HTTPS URL). A contact
that is a placeholder says so by its form, not by a flag that could be forgotten: `+62000…` numbers (no
Indonesian number starts 0 after the country code) and `.invalid` e-mail domains and hosts (RFC 6761: they
never resolve). A post with any of them is `placeholder`, which the panel shows, and nothing is ever sent
there. The HTTPS endpoint's shared secret is a credential: it is sealed (core/sealing.py) before it is
stored, never returned, and replaced by sending a new one.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    computed_field,
    field_validator,
    model_validator,
)

from core.models import Actor, AgencyCode, CamelModel, Category, PostId, RequestModel, Timestamp
from core.phone import normalize_phone
from core.regency import Regency

MAX_CONTACTS = 5  # numbers, and addresses, per contact
MAX_POSTS = 400  # a regency's posts: a Polsek per kecamatan and a few posts of each other type
MAX_DUTY_WINDOWS = 14
PLACEHOLDER_PHONE = re.compile(r"^\+62000[0-9]{4,9}$")
PLACEHOLDER_DOMAIN = ".invalid"
_EMAIL = r"^[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
_HTTPS = r"^https://[A-Za-z0-9.\-]{1,253}(?::[0-9]{1,5})?(?:/[^\s]*)?$"
_CLOCK = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"
_NO_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _contact_phone(value: str) -> str:
    """E.164 as core.phone reads it, or a placeholder number (kept as written: it is recognisably not one)."""
    compact = re.sub(r"[\s\-.()/]", "", value)
    if PLACEHOLDER_PHONE.match(compact):
        return compact
    normalized = normalize_phone(value)
    if normalized is None:
        raise ValueError("not a phone number: use E.164 (+6281234567890) or the local form (081234567890)")
    return normalized


def _lower_domain(value: str) -> str:
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _one_line(value: str) -> str:
    if _NO_CONTROL.search(value):
        raise ValueError("one line of text, without control characters")
    return value


ContactPhone = Annotated[
    str, Field(min_length=3, max_length=32, examples=["+6281234567890"]), AfterValidator(_contact_phone)
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=_EMAIL),
    AfterValidator(_lower_domain),
    Field(examples=["piket@damkar.example.go.id"]),
]
HttpsUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000, pattern=_HTTPS),
    Field(examples=["https://cad.example.go.id/112/incidents"]),
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120), AfterValidator(_one_line)
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=500),
    Field(description="Why: kept in the entry's history", examples=["Nomor piket baru dari Kapolsek"]),
]
ClockTime = Annotated[str, StringConstraints(pattern=_CLOCK), Field(examples=["07:30"])]


def is_placeholder_phone(number: str) -> bool:
    return bool(PLACEHOLDER_PHONE.match(number))


def is_placeholder_address(address: str) -> bool:
    """An e-mail address or URL whose domain is reserved never to resolve (RFC 6761 `.invalid`)."""
    host = address.rpartition("@")[2] if "@" in address and "://" not in address else address
    host = re.sub(r"^https://", "", host).split("/", 1)[0].split(":", 1)[0]
    return host.lower().rstrip(".").endswith(PLACEHOLDER_DOMAIN)


def _unique(values: list[Any], what: str) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError(f"{what} are listed twice")
    return values


# -- duty hours ---------------------------------------------------------------------------------------


class Weekday(StrEnum):
    MON = "MON"
    TUE = "TUE"
    WED = "WED"
    THU = "THU"
    FRI = "FRI"
    SAT = "SAT"
    SUN = "SUN"


WEEK = tuple(Weekday)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class DutyWindow(CamelModel):
    """On duty on these days from `start` to `end`, the regency's local time. An `end` before `start`
    runs past midnight into the next day (22:00 to 06:00); `end` 24:00 is midnight."""

    days: list[Weekday] = Field(min_length=1, max_length=7)
    start: ClockTime
    end: ClockTime

    @field_validator("days")
    @classmethod
    def _days_once(cls, days: list[Weekday]) -> list[Weekday]:
        return _unique(days, "days")

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == "24:00":
            raise ValueError("start is a time of day, 00:00 to 23:59")
        if _minutes(self.start) == _minutes(self.end) % (24 * 60):
            raise ValueError("start and end are the same time: for all day long use 00:00 to 24:00")
        return self

    def covers(self, day: int, minute: int) -> bool:
        """Whether this window holds minute `minute` of weekday `day` (0 Monday)."""
        start, end = _minutes(self.start), _minutes(self.end)
        today, yesterday = WEEK[day], WEEK[(day - 1) % 7]
        if start < end:
            return today in self.days and start <= minute < end
        return (today in self.days and minute >= start) or (yesterday in self.days and minute < end)


class DutyHours(CamelModel):
    """When a post is staffed: always (24/7, most emergency posts), or in weekly windows."""

    always: bool = True
    windows: list[DutyWindow] = Field(default_factory=list, max_length=MAX_DUTY_WINDOWS)

    @model_validator(mode="after")
    def _always_or_windows(self) -> Self:
        if self.always and self.windows:
            raise ValueError("a post on duty always (24/7) has no windows")
        if not self.always and not self.windows:
            raise ValueError("give the windows a post is on duty in, or always: true")
        return self

    def on_duty(self, at: datetime, regency: Regency) -> bool:
        if self.always:
            return True
        local, _ = regency.local_time(at)
        minute = local.hour * 60 + local.minute
        return any(window.covers(local.weekday(), minute) for window in self.windows)


# -- contacts -----------------------------------------------------------------------------------------


class HttpsEndpoint(CamelModel):
    """A system that takes the incident as a signed JSON record (docs/agencies.md, the dispatch record)."""

    url: HttpsUrl
    secret_set_at: Timestamp | None = Field(
        default=None, description="When its shared secret was last set (the secret itself is never shown)"
    )


class HttpsEndpointInput(RequestModel):
    url: HttpsUrl
    secret: SecretStr | None = Field(
        default=None,
        description="The shared secret that signs what is sent there: required the first time; sent again, "
        "it replaces the old one; left out, the old one stays. Never returned",
    )

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and not 32 <= len(secret.get_secret_value()) <= 256:
            raise ValueError("a shared secret is 32 to 256 characters")
        return secret


class Contacts(CamelModel):
    sms: list[ContactPhone] = Field(default_factory=list, max_length=MAX_CONTACTS, description="E.164")
    emails: list[Email] = Field(default_factory=list, max_length=MAX_CONTACTS)
    https: HttpsEndpoint | None = None

    @field_validator("sms", "emails")
    @classmethod
    def _listed_once(cls, values: list[str]) -> list[str]:
        return _unique(values, "numbers and addresses")

    def placeholders(self) -> list[str]:
        found = [n for n in self.sms if is_placeholder_phone(n)]
        found += [e for e in self.emails if is_placeholder_address(e)]
        return found + ([self.https.url] if self.https and is_placeholder_address(self.https.url) else [])


class ContactsInput(RequestModel):
    sms: list[ContactPhone] = Field(default_factory=list, max_length=MAX_CONTACTS, description="E.164")
    emails: list[Email] = Field(default_factory=list, max_length=MAX_CONTACTS)
    https: HttpsEndpointInput | None = None

    @field_validator("sms", "emails")
    @classmethod
    def _listed_once(cls, values: list[str]) -> list[str]:
        return _unique(values, "numbers and addresses")


class EscalationContact(CamelModel):
    """Whom to call when the post does not confirm (its commander, the regency's duty officer)."""

    name: Name | None = Field(default=None, description="Who, e.g. the Kapolsek")
    sms: list[ContactPhone] = Field(default_factory=list, max_length=MAX_CONTACTS)
    emails: list[Email] = Field(default_factory=list, max_length=MAX_CONTACTS)

    @field_validator("sms", "emails")
    @classmethod
    def _listed_once(cls, values: list[str]) -> list[str]:
        return _unique(values, "numbers and addresses")

    def placeholders(self) -> list[str]:
        return [n for n in self.sms if is_placeholder_phone(n)] + [
            e for e in self.emails if is_placeholder_address(e)
        ]


class EscalationInput(EscalationContact):
    model_config = ConfigDict(extra="forbid")


# -- the entries --------------------------------------------------------------------------------------


class Entry(CamelModel):
    active: bool = Field(default=True, description="Deactivated entries are kept (dispatches name them)")
    version: int = Field(ge=1, description="Incremented by every change: send it back to change the entry")
    updated_at: Timestamp
    updated_by: Actor


class AgencyType(Entry):
    code: AgencyCode
    name_id: Name = Field(description="In Bahasa Indonesia, e.g. Pemadam Kebakaran (Damkar)")
    name_en: Name
    categories: list[Category] = Field(
        default_factory=list, description="The categories this type is suggested for when verifying"
    )


class Post(Entry):
    id: PostId
    agency: AgencyCode = Field(description="Its agency type's code")
    name: Name = Field(examples=["Polsek Genteng"])
    districts: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="The kecamatan it covers, as the regency spells them",
    )
    regency_level: bool = Field(
        default=False,
        description="Covers the whole regency: suggested for its type where no post covers the kecamatan",
    )
    contacts: Contacts
    escalation: EscalationContact | None = None
    duty: DutyHours = Field(default_factory=DutyHours)
    note: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="Address, radio channel, what else an operator should know"
    )
    # Sealed by core/sealing.py, stored, never serialised (the API and the audit trail never carry it).
    sealed_secret: str | None = Field(default=None, exclude=True)

    @computed_field(description="Whether any of its contacts is a placeholder (+62000…, .invalid)")  # type: ignore[prop-decorator]
    @property
    def placeholder(self) -> bool:
        return bool(self.contacts.placeholders() or (self.escalation and self.escalation.placeholders()))

    def covers(self, district: str | None) -> bool:
        return district is not None and district in self.districts


# -- what admins send ---------------------------------------------------------------------------------


class TypeFields(RequestModel):
    name_id: Name
    name_en: Name
    categories: list[Category] = Field(default_factory=list, max_length=len(Category))
    reason: Reason

    @field_validator("categories")
    @classmethod
    def _categories_once(cls, categories: list[Category]) -> list[Category]:
        return _unique(categories, "categories")


class TypeCreate(TypeFields):
    """A new agency type (its code is the path's)."""


class TypeUpdate(TypeFields):
    version: int = Field(ge=1, description="The version you read: a change made since answers 409")
    active: bool | None = Field(
        default=None, description="true brings a deactivated type back; left out, as it is"
    )


class PostFields(RequestModel):
    name: Name
    districts: list[Annotated[str, StringConstraints(min_length=2, max_length=64)]] = Field(
        default_factory=list, max_length=100
    )
    regency_level: bool = False
    contacts: ContactsInput
    escalation: EscalationInput | None = None
    duty: DutyHours = Field(default_factory=DutyHours)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    reason: Reason


class PostCreate(PostFields):
    """A new post or unit (its id is the path's)."""

    agency: AgencyCode = Field(description="Its agency type's code (fixed: a post does not change type)")


class PostUpdate(PostFields):
    version: int = Field(ge=1, description="The version you read: a change made since answers 409")
    active: bool | None = Field(
        default=None, description="true brings a deactivated post back; left out, as it is"
    )


# -- the history --------------------------------------------------------------------------------------


class ChangeAction(StrEnum):
    SEED = "SEED"  # created by the seed (tools/seed_directory.py, the local stack)
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DEACTIVATE = "DEACTIVATE"


class DirectoryChange(CamelModel):
    """One change of an entry: who, when, what it was before and after, and why."""

    entry: str = Field(description="TYPE#<code> or POST#<id>")
    version: int = Field(ge=1, description="The entry's version this change produced")
    at: Timestamp
    actor: Actor
    action: ChangeAction
    reason: str
    before: dict[str, Any] | None = None
    after: dict[str, Any]
    secret_changed: bool = Field(default=False, description="A new HTTPS secret was set (never shown)")


class TypeDetail(AgencyType):
    history: list[DirectoryChange] = Field(default_factory=list, description="Newest first")


class PostDetail(Post):
    history: list[DirectoryChange] = Field(default_factory=list, description="Newest first")


class AgencyTypeWithPosts(AgencyType):
    posts: list[Post] = Field(default_factory=list, description="By name")


class Directory(CamelModel):
    """GET /agencies: every agency type with its posts, deactivated ones included (marked)."""

    types: list[AgencyTypeWithPosts]
    districts: list[str] = Field(description="The regency's kecamatan, as posts name them")


def type_key(code: str) -> str:
    return f"TYPE#{code}"


def post_key(post_id: str) -> str:
    return f"POST#{post_id}"

"""Agency directory use cases: reading it, changing it (the admin group, through verify-api), seeding it,
and the short-lived copy the verification and dispatch paths read (docs/decisions.md 45).

Every change is a new version of one entry written with its history entry (who, when, before, after,
why), conditional on the version the admin read: two admins editing one post cannot both win (409).
Nothing is deleted: deactivating keeps the entry, because incidents and dispatch records name it.
A change takes effect without a deploy: the admin's own reads see it at once, and the copy others read
(`CachedDirectory`) is at most DIRECTORY_CACHE_SECONDS old.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from core.agencies import DirectorySnapshot, built_in_snapshot
from core.clock import Clock, utc_now
from core.directory_models import (
    MAX_POSTS,
    AgencyType,
    AgencyTypeWithPosts,
    ChangeAction,
    Contacts,
    Directory,
    DirectoryChange,
    EscalationContact,
    HttpsEndpoint,
    Post,
    PostCreate,
    PostDetail,
    PostFields,
    PostUpdate,
    TypeCreate,
    TypeDetail,
    TypeUpdate,
    post_key,
    type_key,
)
from core.errors import DirectoryConflict, EntryNotFound, InvalidRequest
from core.models import MAX_AGENCY_TYPES
from core.observability import MetricUnit, logger, metrics
from core.ports import AgencyStore, SecretSealer
from core.regency import Regency

if TYPE_CHECKING:
    from core.directory_seed import Seed

E = TypeVar("E", AgencyType, Post)
HISTORY_LIMIT = 50
SYSTEM_SEED = "system:seed"
# Fields that say when and by whom, not what: a change to none of the others is no change (a retry).
_BOOKKEEPING = {"version", "updated_at", "updated_by", "placeholder"}


def _public(entry: AgencyType | Post) -> dict[str, Any]:
    """The entry as its history keeps it: the API's form, without the secret (never serialised)."""
    return entry.model_dump(mode="json", by_alias=True, exclude={"placeholder"})


def _same(before: AgencyType | Post, after: AgencyType | Post) -> bool:
    return before.model_dump(exclude=_BOOKKEEPING) == after.model_dump(exclude=_BOOKKEEPING) and (
        not isinstance(before, Post)
        or not isinstance(after, Post)
        or before.sealed_secret == after.sealed_secret
    )


class DirectoryService:
    def __init__(
        self,
        store: AgencyStore,
        regency: Regency,
        sealer: SecretSealer | None = None,
        clock: Clock = utc_now,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._regency = regency
        self._sealer = sealer
        self._now = clock
        self._on_change = on_change or (lambda: None)  # e.g. drop this environment's cached copy

    # -- reads ---------------------------------------------------------------------------------------

    def snapshot(self) -> DirectorySnapshot:
        types, posts = self._store.load()
        return DirectorySnapshot(tuple(types), tuple(posts))

    def directory(self) -> Directory:
        snapshot = self.snapshot()
        return Directory(
            types=[
                AgencyTypeWithPosts(
                    **t.model_dump(),
                    posts=sorted((p for p in snapshot.posts if p.agency == t.code), key=lambda p: p.name),
                )
                for t in sorted(snapshot.types, key=lambda t: t.code)
            ],
            districts=list(self._regency.districts),
        )

    def type_detail(self, code: str) -> TypeDetail:
        found = self._store.get_type(code)
        if found is None:
            raise EntryNotFound(type_key(code))
        return TypeDetail(**found.model_dump(), history=self._store.history(type_key(code), HISTORY_LIMIT))

    def post_detail(self, post_id: str) -> PostDetail:
        found = self._store.get_post(post_id)
        if found is None:
            raise EntryNotFound(post_key(post_id))
        history = self._store.history(post_key(post_id), HISTORY_LIMIT)
        return PostDetail(**found.model_dump(exclude={"placeholder"}), history=history)

    def posts(self, agency: str, district: str | None) -> list[Post]:
        """The type's posts (active or not), those covering `district` (by name, or the whole regency)."""
        canonical = self._district(district, "district", "query") if district else None
        return sorted(self._store.posts_of_type(agency, canonical), key=lambda p: p.name)

    # -- types ---------------------------------------------------------------------------------------

    def create_type(self, code: str, request: TypeCreate, actor: str) -> AgencyType:
        if len(self._store.load()[0]) >= MAX_AGENCY_TYPES:
            raise InvalidRequest(
                "code", f"the directory holds its most agency types ({MAX_AGENCY_TYPES})", "path"
            )
        return self._create_type(code, request, actor, ChangeAction.CREATE)

    def _create_type(self, code: str, request: TypeCreate, actor: str, action: ChangeAction) -> AgencyType:
        created = AgencyType(
            code=code,
            name_id=request.name_id,
            name_en=request.name_en,
            categories=request.categories,
            version=1,
            updated_at=self._now(),
            updated_by=actor,
        )
        self._store.put_type(created, None, self._change(None, created, actor, action, request.reason))
        return self._changed(created, action)

    def update_type(self, code: str, request: TypeUpdate, actor: str) -> AgencyType:
        current = self._current_type(code, request.version)
        updated = current.model_copy(
            update={
                "name_id": request.name_id,
                "name_en": request.name_en,
                "categories": request.categories,
                "active": current.active if request.active is None else request.active,
            }
        )
        return self._write_type(current, updated, actor, ChangeAction.UPDATE, request.reason)

    def deactivate_type(self, code: str, version: int, reason: str, actor: str) -> AgencyType:
        current = self._current_type(code, version)
        updated = current.model_copy(update={"active": False})
        return self._write_type(current, updated, actor, ChangeAction.DEACTIVATE, reason)

    def _current_type(self, code: str, version: int) -> AgencyType:
        return _at_version(self._store.get_type(code), type_key(code), version)

    def _write_type(
        self, current: AgencyType, updated: AgencyType, actor: str, action: ChangeAction, reason: str
    ) -> AgencyType:
        if _same(current, updated):
            return current  # nothing to change: a retry after a lost answer, or a save without edits
        updated = updated.model_copy(
            update={"version": current.version + 1, "updated_at": self._now(), "updated_by": actor}
        )
        self._store.put_type(updated, current.version, self._change(current, updated, actor, action, reason))
        return self._changed(updated, action)

    # -- posts ---------------------------------------------------------------------------------------

    def create_post(self, post_id: str, request: PostCreate, actor: str) -> Post:
        if len(self._store.load()[1]) >= MAX_POSTS:
            raise InvalidRequest("id", f"the directory holds its most posts ({MAX_POSTS})", "path")
        return self._create_post(post_id, request, actor, ChangeAction.CREATE)

    def _create_post(self, post_id: str, request: PostCreate, actor: str, action: ChangeAction) -> Post:
        agency = self._store.get_type(request.agency)
        if agency is None or not agency.active:
            problem = "deactivated" if agency else "not an agency type of the directory"
            raise InvalidRequest("agency", f"{request.agency} is {problem}")
        created = self._post(post_id, request.agency, request, None, actor, version=1)
        change = self._change(
            None, created, actor, action, request.reason, secret_changed=bool(created.sealed_secret)
        )
        self._store.put_post(created, None, change)
        return self._changed(created, action)

    def update_post(self, post_id: str, request: PostUpdate, actor: str) -> Post:
        current = self._current_post(post_id, request.version)
        updated = self._post(post_id, current.agency, request, current, actor, version=current.version)
        updated = updated.model_copy(
            update={"active": current.active if request.active is None else request.active}
        )
        return self._write_post(current, updated, actor, ChangeAction.UPDATE, request.reason)

    def deactivate_post(self, post_id: str, version: int, reason: str, actor: str) -> Post:
        current = self._current_post(post_id, version)
        return self._write_post(
            current, current.model_copy(update={"active": False}), actor, ChangeAction.DEACTIVATE, reason
        )

    def _current_post(self, post_id: str, version: int) -> Post:
        return _at_version(self._store.get_post(post_id), post_key(post_id), version)

    def _write_post(
        self, current: Post, updated: Post, actor: str, action: ChangeAction, reason: str
    ) -> Post:
        if _same(current, updated):
            return current
        updated = updated.model_copy(
            update={"version": current.version + 1, "updated_at": self._now(), "updated_by": actor}
        )
        secret_changed = updated.sealed_secret is not None and updated.sealed_secret != current.sealed_secret
        change = self._change(current, updated, actor, action, reason, secret_changed=secret_changed)
        self._store.put_post(updated, current.version, change)
        return self._changed(updated, action)

    def _post(
        self, post_id: str, agency: str, request: PostFields, current: Post | None, actor: str, version: int
    ) -> Post:
        """The post the request describes, its rules checked; the HTTPS secret sealed when one is sent,
        kept when not (a new endpoint needs one)."""
        districts = list(
            dict.fromkeys(self._district(d, f"districts.{n}") for n, d in enumerate(request.districts))
        )
        if not districts and not request.regency_level:
            raise InvalidRequest("districts", "name the kecamatan it covers, or make it regency-level")
        contacts = request.contacts
        if not (contacts.sms or contacts.emails or contacts.https):
            raise InvalidRequest("contacts", "give at least one SMS number, e-mail address or HTTPS endpoint")
        https, sealed = None, None
        if contacts.https is not None:
            secret = contacts.https.secret
            if secret is not None:
                if self._sealer is None:
                    raise RuntimeError("DirectoryService needs a sealer to keep an HTTPS secret")
                sealed = self._sealer.seal(post_id, secret.get_secret_value())
                set_at = self._now()
            elif current is not None and current.sealed_secret and current.contacts.https:
                sealed, set_at = current.sealed_secret, current.contacts.https.secret_set_at or self._now()
            else:
                raise InvalidRequest("contacts.https.secret", "a new HTTPS endpoint needs its shared secret")
            https = HttpsEndpoint(url=contacts.https.url, secret_set_at=set_at)
        escalation = (
            EscalationContact.model_validate(request.escalation.model_dump()) if request.escalation else None
        )
        return Post(
            id=post_id,
            agency=agency,
            name=request.name,
            districts=districts,
            regency_level=request.regency_level,
            contacts=Contacts(sms=contacts.sms, emails=contacts.emails, https=https),
            escalation=escalation,
            duty=request.duty,
            note=request.note or None,
            active=current.active if current else True,
            version=version,
            updated_at=current.updated_at if current else self._now(),
            updated_by=current.updated_by if current else actor,
            sealed_secret=sealed,
        )

    def _district(self, name: str | None, field: str, source: Literal["body", "query"] = "body") -> str:
        canonical = self._regency.canonical_district(name or "")
        if canonical is None:
            known = ", ".join(self._regency.districts)
            raise InvalidRequest(
                field, f"{name!r} is not a district of {self._regency.name}; one of: {known}", source
            )
        return canonical

    # -- the seed ------------------------------------------------------------------------------------

    def seed(self, seed: Seed) -> list[str]:
        """Create the seed's entries that do not exist; the keys of those created. Idempotent, and never
        touches an existing entry, edited or deactivated: a seeded post an admin changed stays changed."""
        types, posts = self._store.load()
        have = {type_key(t.code) for t in types} | {post_key(p.id) for p in posts}
        created: list[str] = []
        for code, type_request in seed.types:
            if type_key(code) not in have:
                create = functools.partial(
                    self._create_type, code, type_request, SYSTEM_SEED, ChangeAction.SEED
                )
                created += self._seeded(type_key(code), create)
        for post_id, post_request in seed.posts:
            if post_key(post_id) not in have:
                create_post = functools.partial(
                    self._create_post, post_id, post_request, SYSTEM_SEED, ChangeAction.SEED
                )
                created += self._seeded(post_key(post_id), create_post)
        if created:
            logger.info("agency directory seeded", extra={"entries_created": len(created)})
        return created

    @staticmethod
    def _seeded(key: str, create: Callable[[], object]) -> list[str]:
        try:
            create()
        except DirectoryConflict:
            return []  # another seed (or an admin) created it meanwhile: theirs stands
        return [key]

    # -- history -------------------------------------------------------------------------------------

    def _change(
        self,
        before: AgencyType | Post | None,
        after: AgencyType | Post,
        actor: str,
        action: ChangeAction,
        reason: str,
        secret_changed: bool = False,
    ) -> DirectoryChange:
        entry = type_key(after.code) if isinstance(after, AgencyType) else post_key(after.id)
        return DirectoryChange(
            entry=entry,
            version=after.version,
            at=after.updated_at,
            actor=actor,
            action=action,
            reason=reason,
            before=_public(before) if before else None,
            after=_public(after),
            secret_changed=secret_changed,
        )

    def _changed(self, entry: E, action: ChangeAction) -> E:
        self._on_change()
        metrics.add_metric(name="DirectoryChanged", unit=MetricUnit.Count, value=1)
        logger.info("agency directory changed", extra={"entry": _key(entry), "action": action.value})
        return entry


def _key(entry: AgencyType | Post) -> str:
    return type_key(entry.code) if isinstance(entry, AgencyType) else post_key(entry.id)


# -- the copy the verification and dispatch paths read --------------------------------------------------


@dataclass
class _Copy:
    snapshot: DirectorySnapshot
    read_at: float  # time.monotonic()


class CachedDirectory:
    """The directory as one environment last read it, read again when older than `ttl` seconds: a changed
    number reaches verification and dispatch within `ttl`, without a deploy. When it cannot be read, the
    last copy stays in use (logged), and with none yet the built-in types (no posts): a verification is
    never refused because the directory is unreachable."""

    def __init__(
        self,
        load: Callable[[], DirectorySnapshot],
        ttl: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._monotonic = monotonic
        self._copy: _Copy | None = None

    def snapshot(self) -> DirectorySnapshot:
        now = self._monotonic()
        if self._copy is not None and now - self._copy.read_at < self._ttl:
            return self._copy.snapshot
        try:
            self._copy = _Copy(self._load(), now)
        except Exception:
            logger.exception("agency directory not read: the last copy (or the built-in types) used")
            metrics.add_metric(name="DirectoryUnavailable", unit=MetricUnit.Count, value=1)
            return self._copy.snapshot if self._copy else built_in_snapshot()
        return self._copy.snapshot

    def invalidate(self) -> None:
        self._copy = None


def _at_version(current: E | None, key: str, version: int) -> E:
    """The entry an admin read at `version`, as it still is: a change made from an older read is refused."""
    if current is None:
        raise EntryNotFound(key)
    if current.version != version:
        raise DirectoryConflict(key, f"is at version {current.version}, not {version}: reload it")
    return current

"""DynamoDB table designs: keys, indexes and TTL, declared once.

The repository reads its key and index names from here; the CDK stack and the local stack create the
tables from here. Change a key in this file and all three move together.

Incidents table (single-table layout), items of one incident share the partition `INCIDENT#<id>`:

    pk                  sk              what                              index keys
    INCIDENT#<id>       INCIDENT        the incident                       gsi1: STATUS#<status> / <id>
                                                                             (open statuses only)
                                                                           gsi2: CALLER#<e164> / <id>
                                                                           gsi3: CALLBACK / <id>
                                                                           gsi4: DAY#<utc date> / <id>
    INCIDENT#<id>       AUDIT#<ver:08>  one audit entry per state change   -
    INCIDENT#<id>       DISPATCH#<ag>   one dispatch per agency            -
    INCIDENT#<id>       CALL            the call's times (CALL#'s copy)    -
    CALL#<contact>      CALL            a call's contact events merged     -  (TTL `expires_at`)
    DEDUPE#<key>        DEDUPE          channel message -> incident id     -  (e.g. CONTACT#<ContactId>)
    AML#<e164>          AML             a handset position waiting for its call (TTL `expires_at`)
    RATE#<client>       <window start>  reports counted per client and time window (TTL `expires_at`)

Access patterns: incident with timeline and dispatches = one Query on pk; the queue by status, oldest
first = one Query on gsi `by-status` (ids are ULIDs, so the sort key orders by arrival; sparse: a closed
or rejected incident leaves it, so no partition grows with the years); past incidents by arrival = one
Query per UTC day on gsi `by-day`, the time range as a range of ids (core/search.py, decision 54); a caller's
latest incidents = one Query on gsi `by-caller` (sparse: only incidents whose number is known); a
retried channel message = the conditional put of its DEDUPE item inside the creating transaction; the
callback desk, oldest first = one Query on gsi `by-callback` (sparse: only incidents awaiting a callback);
a call's contact events = the item under its initial contact id, found again from the contact's DEDUPE item
when its incident exists (docs/decisions.md 39).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Key:
    name: str
    type: Literal["S", "N", "B"] = "S"


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: Key
    sort_key: Key | None = None
    projection: Literal["ALL", "KEYS_ONLY"] = "ALL"


@dataclass(frozen=True)
class TableDesign:
    id: str  # logical name: CDK construct id and the suffix of the physical name
    env_var: str  # the variable that tells a function the physical name
    partition_key: Key
    sort_key: Key | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    stream: bool = False

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.id}"


INCIDENTS = TableDesign(
    id="incidents",
    env_var="TABLE_NAME",
    partition_key=Key("pk"),
    sort_key=Key("sk"),
    indexes=(
        Index("by-status", Key("gsi1pk"), Key("gsi1sk")),
        Index("by-caller", Key("gsi2pk"), Key("gsi2sk")),
        Index("by-callback", Key("gsi3pk"), Key("gsi3sk")),
        Index("by-day", Key("gsi4pk"), Key("gsi4sk")),
    ),
    ttl_attribute="expires_at",
    # Every change, old and new image, to the stats-rollup function (docs/decisions.md 52).
    stream=True,
)


def _index(name: str) -> Index:
    return next(index for index in INCIDENTS.indexes if index.name == name)


STATUS_INDEX = _index("by-status")
CALLER_INDEX = _index("by-caller")
CALLBACK_INDEX = _index("by-callback")
DAY_INDEX = _index("by-day")

# Powertools idempotency records (its default attribute names), used where a side effect cannot be made
# part of a DynamoDB transaction: notifying an agency.
IDEMPOTENCY = TableDesign(
    id="idempotency",
    env_var="IDEMPOTENCY_TABLE_NAME",
    partition_key=Key("id"),
    ttl_attribute="expiration",
)

# The agency directory (core/agency_store.py): reference data that changes by hand, a few hundred items.
#
#     pk                  sk              what                                index keys
#     AGENCY              TYPE#<code>     an agency type                       -
#     AGENCY              POST#<id>       a post or unit                       gsi1: TYPE#<code> / <id>
#     AUDIT#TYPE#<code>   <version:08>    one change of a type (before, after, who, why)
#     AUDIT#POST#<id>     <version:08>    one change of a post
#
# Access patterns: the whole directory (types and posts) = one Query on pk AGENCY (bounded: at most
# MAX_AGENCY_TYPES types and MAX_POSTS posts); a type or a post = GetItem; the posts of a type, and of those
# the ones covering a kecamatan (a filter on their `districts` list, or `regency_level`) = one Query on gsi
# `by-type`; an entry's history, newest first = one Query on its AUDIT# partition.
DIRECTORY = TableDesign(
    id="directory",
    env_var="DIRECTORY_TABLE_NAME",
    partition_key=Key("pk"),
    sort_key=Key("sk"),
    indexes=(Index("by-type", Key("gsi1pk"), Key("gsi1sk")),),
)
TYPE_INDEX = DIRECTORY.indexes[0]

# The statistics (core/rollups.py, docs/stats.md): written by stats-rollup only, read by verify-api.
#
#     pk               sk               what
#     HOUR             2026-12-04T03    the counters of the incidents that arrived in that UTC hour
#     DAY              2026-12-04       … on that day of the regency's calendar
#     INCIDENT#<id>    CONTRIBUTION     what that incident last added to its hour and day, with a revision
#     MONTH#2026-11    <id>             the incident's line in that month's export (core/report.py)
#
# Access patterns: a range of hours or days = one Query on its partition, sk BETWEEN; an incident's
# contribution = GetItem; a month's export = one Query (paged) on its partition. A separate table, so
# the rollup's own writes never come back on the incidents'
# stream, and verify-api reads the counters without any right on the incidents' items for it.
STATS = TableDesign(
    id="stats",
    env_var="STATS_TABLE_NAME",
    partition_key=Key("pk"),
    sort_key=Key("sk"),
)


TABLES: tuple[TableDesign, ...] = (INCIDENTS, IDEMPOTENCY, DIRECTORY, STATS)

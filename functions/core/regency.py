"""The regency a deployment serves: name, time zone, districts (kecamatan) and where they are on the map.

Banyuwangi is the first deployment; another regency adds its entry here and sets REGENCY.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from core.standing import DEFAULT_POLICY, CallerPolicy

# Indonesia's three zones keep no daylight saving time, so a fixed offset is exact and needs no time-zone
# database (the minimal image of recent Lambda Python runtimes ships none).
INDONESIAN_ZONES: Mapping[str, tuple[str, int]] = {
    "Asia/Jakarta": ("WIB", 7),
    "Asia/Pontianak": ("WIB", 7),
    "Asia/Makassar": ("WITA", 8),
    "Asia/Jayapura": ("WIT", 9),
}


Point = tuple[float, float]  # (lat, lon)

# P1 life in danger: 3 minutes; P2 urgent: 10; P3: 30.
DEFAULT_ACK_DEADLINE_SECONDS: Mapping[str, int] = {"P1": 180, "P2": 600, "P3": 1800}


def check_ack_deadlines(owner: str, deadlines: Mapping[str, int]) -> None:
    """Every priority has one, of 1 second to a day (tests shorten them to seconds)."""
    if set(deadlines) != set(DEFAULT_ACK_DEADLINE_SECONDS):
        raise ValueError(
            f"{owner}: acknowledgement deadlines for exactly P1, P2 and P3, not {sorted(deadlines)}"
        )
    for priority, seconds in deadlines.items():
        if not 1 <= seconds <= 86400:
            raise ValueError(
                f"{owner}: the {priority} acknowledgement deadline is 1 to 86400 s, not {seconds}"
            )


@dataclass(frozen=True)
class Regency:
    code: str
    name: str
    timezone: str
    districts: tuple[str, ...]
    center: Point = (0.0, 0.0)  # where the panel's map opens
    # (south-west, north-east) corners of a box around the regency: a check on the points below
    bounds: tuple[Point, Point] = ((-90.0, -180.0), (90.0, 180.0))
    # Each district's administrative centre, which the panel's map outlines for an incident that names a
    # district but has no point (config.json regency.districtCenters).
    district_centers: Mapping[str, Point] = field(default_factory=dict)
    # The prank policy (core.standing): the regency's own, which a deployment may override (CALLER_POLICY).
    caller_policy: CallerPolicy = DEFAULT_POLICY
    # The kecamatan polygons (GeoJSON, under functions/core/), which say the district of a point (an AML
    # fix, a click on the map): core/boundaries.py. The property naming each feature's kecamatan.
    boundaries_file: str | None = None
    boundaries_name_property: str = "name"
    # Failed callbacks (no answer, busy, silence, a wrong number) after which the callback desk may close an
    # abandoned or silent call as unreachable (docs/callbacks.md). Three, as many centres practise.
    callback_attempts: int = 3
    # How long a post has to confirm a dispatch (Diterima), per priority, in seconds, before the escalation
    # notifies its second contact; as long again, and the regency-level post of its type
    # (docs/agencies.md). ACK_DEADLINES overrides them per deployment (core/settings.py).
    ack_deadline_seconds: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_ACK_DEADLINE_SECONDS)
    )

    def __post_init__(self) -> None:
        if not 1 <= self.callback_attempts <= 10:
            raise ValueError(f"{self.code}: callback_attempts is 1 to 10, not {self.callback_attempts}")
        check_ack_deadlines(self.code, self.ack_deadline_seconds)
        for name, point in {"center": self.center, **self.district_centers}.items():
            if name != "center" and name not in self.districts:
                raise ValueError(f"{self.code}: a centre for {name!r}, which is not one of its districts")
            if not self.contains(point):
                raise ValueError(f"{self.code}: {name} {point} lies outside the regency's bounds")

    def contains(self, point: Point) -> bool:
        (south, west), (north, east) = self.bounds
        return south <= point[0] <= north and west <= point[1] <= east

    def local_time(self, moment: datetime) -> tuple[datetime, str]:
        """`moment` in the regency's time and the zone's label (WIB, WITA, WIT)."""
        if self.timezone in INDONESIAN_ZONES:
            label, hours = INDONESIAN_ZONES[self.timezone]
            return moment.astimezone(timezone(timedelta(hours=hours), label)), label
        local = moment.astimezone(ZoneInfo(self.timezone))
        return local, local.tzname() or self.timezone

    def canonical_district(self, name: str) -> str | None:
        """The district's spelling in our list, matched case- and space-insensitively."""
        key = _fold(name)
        return next((d for d in self.districts if _fold(d) == key), None)


def _fold(text: str) -> str:
    return "".join(text.split()).casefold()


REGENCIES: Mapping[str, Regency] = {
    "banyuwangi": Regency(
        code="banyuwangi",
        name="Kabupaten Banyuwangi",
        timezone="Asia/Jakarta",
        center=(-8.2192, 114.3691),  # Banyuwangi town
        # An approximation for development, NOT official boundaries (Voronoi cells around the centres
        # below, tools/boundaries.py): replace it with BPS's or the regency's own (docs/agencies.md).
        boundaries_file="regencies/banyuwangi-kecamatan.geojson",
        # 7 deg 43' to 8 deg 46' S, 113 deg 53' to 114 deg 38' E (its published extent), rounded outwards
        bounds=((-8.78, 113.87), (-7.71, 114.64)),
        # The town or village where each kecamatan is administered. Marked W: the coordinates of the
        # kecamatan's article in the Indonesian Wikipedia (about 100 m). Unmarked: read off public maps from
        # the town's position, good to about 3 km; enough to frame the map, not to send anyone to. Replace
        # them with the regency's own (BPS or BIG) points when it provides them.
        district_centers={
            "Bangorejo": (-8.495, 114.135),
            "Banyuwangi": (-8.2262, 114.3665),  # W
            "Blimbingsari": (-8.305, 114.330),
            "Cluring": (-8.420, 114.210),
            "Gambiran": (-8.415, 114.140),
            "Genteng": (-8.3633, 114.1469),  # W
            "Giri": (-8.205, 114.345),
            "Glagah": (-8.2160, 114.3171),  # W
            "Glenmore": (-8.295, 114.035),
            "Kabat": (-8.272, 114.322),
            "Kalibaru": (-8.293, 113.972),
            "Kalipuro": (-8.160, 114.385),
            "Licin": (-8.190, 114.285),
            "Muncar": (-8.430, 114.330),
            "Pesanggaran": (-8.571, 114.100),
            "Purwoharjo": (-8.475, 114.225),
            "Rogojampi": (-8.312, 114.287),
            "Sempu": (-8.305, 114.150),
            "Siliragung": (-8.525, 114.080),
            "Singojuruh": (-8.290, 114.238),
            "Songgon": (-8.240, 114.185),
            "Srono": (-8.390, 114.265),
            "Tegaldlimo": (-8.5134, 114.2823),  # W
            "Tegalsari": (-8.415, 114.095),
            "Wongsorejo": (-8.000, 114.400),
        },
        districts=(
            "Bangorejo",
            "Banyuwangi",
            "Blimbingsari",
            "Cluring",
            "Gambiran",
            "Genteng",
            "Giri",
            "Glagah",
            "Glenmore",
            "Kabat",
            "Kalibaru",
            "Kalipuro",
            "Licin",
            "Muncar",
            "Pesanggaran",
            "Purwoharjo",
            "Rogojampi",
            "Sempu",
            "Siliragung",
            "Singojuruh",
            "Songgon",
            "Srono",
            "Tegaldlimo",
            "Tegalsari",
            "Wongsorejo",
        ),
    ),
}

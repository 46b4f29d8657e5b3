"""Kecamatan boundaries: a regency's GeoJSON of district polygons, and the district a point lies in.

A regency names its file (`Regency.boundaries_file`, under functions/core/); the loader validates it
(every feature a Polygon or MultiPolygon named after one of the regency's districts, rings closed,
coordinates finite and inside the regency's box: a file with latitude and longitude swapped fails here,
not in an operator's form) and `Boundaries.locate` answers which district holds a point, by ray casting
in pure Python (holes and multipolygons included): a few dozen polygons need no GIS library, and the
112 path imports nothing heavy. A point on an edge two districts share belongs to both; `locate` then
answers the first of them by name, so the answer is stable. A point in no polygon (at sea, outside the
regency) has no district: nothing is guessed.

Where official boundaries come from, and what the file Respon 112 ships for Banyuwangi is (an
approximation for development), is in docs/agencies.md.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.observability import logger
from core.regency import REGENCIES, Regency

Position = tuple[float, float]  # (lon, lat), GeoJSON's order
Ring = tuple[Position, ...]

CORE_DIR = Path(__file__).resolve().parent
MAX_FEATURES = 1_000
MAX_POSITIONS = 500_000  # an official file simplified for the web has tens of thousands
MAX_FILE_BYTES = 20 * 1024 * 1024
_EDGE = 1e-12  # how near a point must be to an edge to be on it (degrees; far below any survey)


class BoundaryError(ValueError):
    """The file is not a usable boundary file; `problems` says every reason found, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _on_segment(a: Position, b: Position, x: float, y: float) -> bool:
    (x1, y1), (x2, y2) = a, b
    if not (
        min(x1, x2) - _EDGE <= x <= max(x1, x2) + _EDGE and min(y1, y2) - _EDGE <= y <= max(y1, y2) + _EDGE
    ):
        return False
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    return abs(cross) <= _EDGE * max(1.0, abs(x2 - x1) + abs(y2 - y1))


def on_ring(ring: Ring, x: float, y: float) -> bool:
    """Whether (x, y) lies on one of the ring's edges (a vertex included)."""
    return any(_on_segment(ring[i], ring[i + 1], x, y) for i in range(len(ring) - 1))


def in_ring(ring: Ring, x: float, y: float) -> bool:
    """Ray casting: whether (x, y) is strictly inside the closed ring (even-odd rule). Edges are
    half-open in y, so a ray through a vertex counts it once; points on the ring are on_ring's."""
    inside = False
    for i in range(len(ring) - 1):
        (x1, y1), (x2, y2) = ring[i], ring[i + 1]
        if (y1 > y) != (y2 > y):
            crossing = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < crossing:
                inside = not inside
    return inside


@dataclass(frozen=True)
class Polygon:
    """One GeoJSON polygon: its outer ring and its holes (an enclave of another district, a lake)."""

    outer: Ring
    holes: tuple[Ring, ...] = ()

    def contains(self, x: float, y: float) -> bool:
        """Inside or on its boundary; in a hole only on the hole's edge (the edge is this polygon's)."""
        if on_ring(self.outer, x, y):
            return True
        if not in_ring(self.outer, x, y):
            return False
        for hole in self.holes:
            if on_ring(hole, x, y):
                return True
            if in_ring(hole, x, y):
                return False
        return True


@dataclass(frozen=True)
class DistrictArea:
    name: str
    polygons: tuple[Polygon, ...]
    box: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat: a cheap first test

    def contains(self, lat: float, lon: float) -> bool:
        west, south, east, north = self.box
        if not (west <= lon <= east and south <= lat <= north):
            return False
        return any(polygon.contains(lon, lat) for polygon in self.polygons)


@dataclass(frozen=True)
class Boundaries:
    regency: str
    areas: tuple[DistrictArea, ...]  # by name
    approximate: bool = False  # the file says it is no official boundary (the development file)
    source: str = ""  # what the file says it is

    def locate(self, lat: float, lon: float) -> str | None:
        """The district whose polygon holds the point, or None (outside every polygon)."""
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        return next((area.name for area in self.areas if area.contains(lat, lon)), None)

    @property
    def districts(self) -> tuple[str, ...]:
        return tuple(area.name for area in self.areas)


def _positions(raw: Any, where: str, regency: Regency, problems: list[str]) -> Ring | None:
    if not isinstance(raw, list) or len(raw) < 4:
        problems.append(f"{where}: a ring needs at least 4 positions (the first repeated last)")
        return None
    ring: list[Position] = []
    for n, position in enumerate(raw):
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
        ):
            problems.append(f"{where}[{n}]: a position is [longitude, latitude] in numbers")
            return None
        lon, lat = float(position[0]), float(position[1])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            problems.append(f"{where}[{n}]: not a finite number")
            return None
        if not regency.contains((lat, lon)):
            problems.append(
                f"{where}[{n}]: [{lon}, {lat}] lies outside {regency.name}'s box "
                "(GeoJSON is [longitude, latitude]: are they swapped, or is it another regency's file?)"
            )
            return None
        ring.append((lon, lat))
    if ring[0] != ring[-1]:
        problems.append(f"{where}: the ring is not closed (its last position must repeat its first)")
        return None
    return tuple(ring)


def _polygon(raw: Any, where: str, regency: Regency, problems: list[str]) -> Polygon | None:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: a polygon is a list of rings (outer ring first)")
        return None
    rings = [_positions(ring, f"{where}[{n}]", regency, problems) for n, ring in enumerate(raw)]
    if any(ring is None for ring in rings):
        return None
    outer, *holes = (ring for ring in rings if ring is not None)
    return Polygon(outer, tuple(holes))


def _geometry(raw: Any, where: str, regency: Regency, problems: list[str]) -> list[Polygon]:
    kind = raw.get("type") if isinstance(raw, dict) else None
    coordinates = raw.get("coordinates") if isinstance(raw, dict) else None
    if kind == "Polygon":
        parts = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list) and coordinates:
        parts = coordinates
    else:
        problems.append(f"{where}: the geometry must be a Polygon or a MultiPolygon, not {kind!r}")
        return []
    polygons = [
        _polygon(part, f"{where}.coordinates[{n}]", regency, problems) for n, part in enumerate(parts)
    ]
    return [p for p in polygons if p is not None]


def load_boundaries(data: Any, regency: Regency, name_property: str = "name") -> Boundaries:
    """The district polygons of `data` (a parsed GeoJSON FeatureCollection) for `regency`, or
    BoundaryError with every problem found. Features are matched to the regency's districts by the
    property `name_property`, as the regency spells them regardless of case and spaces; several features
    of one district (islands) are one area; every district must have one."""
    problems: list[str] = []
    features = data.get("features") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(features, list)
    ):
        raise BoundaryError(["the file must be a GeoJSON FeatureCollection"])
    if not features or len(features) > MAX_FEATURES:
        raise BoundaryError([f"a FeatureCollection of 1 to {MAX_FEATURES} features, not {len(features)}"])
    found: dict[str, list[Polygon]] = {}
    positions = 0
    for n, feature in enumerate(features):
        where = f"features[{n}]"
        properties = feature.get("properties") if isinstance(feature, dict) else None
        raw_name = properties.get(name_property) if isinstance(properties, dict) else None
        if not isinstance(raw_name, str):
            problems.append(f"{where}: no {name_property!r} property naming its kecamatan")
            continue
        name = regency.canonical_district(raw_name)
        if name is None:
            problems.append(f"{where}: {raw_name!r} is not a district of {regency.name}")
            continue
        polygons = _geometry(feature.get("geometry"), f"{where}.geometry", regency, problems)
        positions += sum(len(ring) for polygon in polygons for ring in (polygon.outer, *polygon.holes))
        if positions > MAX_POSITIONS:
            raise BoundaryError([f"too large: simplify it to at most {MAX_POSITIONS} positions"])
        found.setdefault(name, []).extend(polygons)
    missing = [d for d in regency.districts if d not in found]
    if missing:
        problems.append(f"no polygon for {', '.join(missing)}")
    if problems:
        raise BoundaryError(problems)
    areas = tuple(_area(name, polygons) for name, polygons in sorted(found.items()))
    # A foreign member saying what the file is (GeoJSON allows them): tools/boundaries.py writes it.
    found_meta = data.get("respon112")
    meta: dict[str, Any] = found_meta if isinstance(found_meta, dict) else {}
    return Boundaries(
        regency=regency.code,
        areas=areas,
        approximate=bool(meta.get("approximate", False)),
        source=str(meta.get("source", ""))[:500],
    )


def _area(name: str, polygons: list[Polygon]) -> DistrictArea:
    points = [p for polygon in polygons for p in polygon.outer]
    box = (
        min(p[0] for p in points),
        min(p[1] for p in points),
        max(p[0] for p in points),
        max(p[1] for p in points),
    )
    return DistrictArea(name, tuple(polygons), box)


def misplaced_centres(boundaries: Boundaries, regency: Regency) -> dict[str, str | None]:
    """Districts whose administrative centre (regency.district_centers) the file puts elsewhere: name ->
    the district it found there (None: in none). A check on a new file, not a rule: centres read off a
    map are good to about 3 km (core/regency.py)."""
    located = {name: boundaries.locate(*point) for name, point in regency.district_centers.items()}
    return {name: found for name, found in located.items() if found != name}


def read_boundaries(path: Path, regency: Regency, name_property: str = "name") -> Boundaries:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BoundaryError([f"{path.name}: larger than {MAX_FILE_BYTES // 2**20} MiB: simplify it"])
    return load_boundaries(json.loads(path.read_text(encoding="utf-8")), regency, name_property)


@functools.cache
def boundaries_for(regency_code: str) -> Boundaries | None:
    """The regency's boundaries, read once per environment (on first use: the 112 path only reads them
    when a handset position arrives), or None when the regency has no file."""
    regency = REGENCIES[regency_code]
    if regency.boundaries_file is None:
        return None
    return read_boundaries(CORE_DIR / regency.boundaries_file, regency, regency.boundaries_name_property)


def district_at(regency: Regency, lat: float | None, lon: float | None) -> str | None:
    """The district at a point by the regency's boundaries; None without a point, a file or a match.
    Never raises: a file that cannot be read (logged) costs a suggestion, never a call or a verification."""
    if lat is None or lon is None:
        return None
    try:
        boundaries = boundaries_for(regency.code)
    except (BoundaryError, OSError, ValueError):
        logger.exception("kecamatan boundaries not read", extra={"regency": regency.code})
        return None
    return boundaries.locate(lat, lon) if boundaries else None


def feature_collection(cells: Mapping[str, Sequence[Position]], meta: Mapping[str, Any]) -> dict[str, Any]:
    """A FeatureCollection of one polygon per district (tools/boundaries.py writes the development file)."""
    return {
        "type": "FeatureCollection",
        "respon112": dict(meta),
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
            }
            for name, ring in sorted(cells.items())
        ],
    }

"""Kecamatan boundary files: check one, or write the approximate development file.

python tools/boundaries.py check FILE [--regency banyuwangi] [--name-property name]
    validate a GeoJSON of kecamatan polygons as the functions load it (every district present, rings
    closed, coordinates inside the regency, [longitude, latitude]) and say where a district's centre
    (core/regency.py) falls in another district's polygon; exit 1 when the file cannot be used
python tools/boundaries.py approximate [--regency banyuwangi] [--output FILE]
    write the development file: one Voronoi cell per district centre, clipped to the regency's box.
    It is NOT a boundary: it only says which centre a point is nearest to (docs/agencies.md says where
    official boundaries come from)

After replacing functions/core/<the regency's boundaries_file> with an official file, run `check` and
the unit tests (tests/unit/test_boundaries.py checks the shipped file) before deploying.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

from core.boundaries import (  # noqa: E402
    CORE_DIR,
    BoundaryError,
    Position,
    feature_collection,
    misplaced_centres,
    read_boundaries,
)
from core.regency import REGENCIES, Point, Regency  # noqa: E402

APPROXIMATE_NOTE = (
    "APPROXIMATE, for development only: Voronoi cells around each kecamatan's centre (core/regency.py), "
    "clipped to the regency's bounding box. NOT an official boundary: it covers sea and neighbouring "
    "regencies, and its edges are where two centres are equally near, not where the kecamatan meet. "
    "Replace it with BPS's or the regency's own polygons (docs/agencies.md)."
)


def _clip(polygon: list[tuple[float, float]], keep: Point, other: Point) -> list[tuple[float, float]]:
    """Sutherland-Hodgman against one half-plane: the part of `polygon` nearer `keep` than `other`."""
    (kx, ky), (ox, oy) = keep, other
    mx, my = (kx + ox) / 2, (ky + oy) / 2
    nx, ny = ox - kx, oy - ky

    def side(p: tuple[float, float]) -> float:  # <= 0: on keep's side
        return (p[0] - mx) * nx + (p[1] - my) * ny

    out: list[tuple[float, float]] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        inside_now, inside_before = side(current) <= 0, side(previous) <= 0
        if inside_now != inside_before:
            a, b = side(previous), side(current)
            t = a / (a - b)
            out.append(
                (previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1]))
            )
        if inside_now:
            out.append(current)
    return out


def voronoi_cells(regency: Regency) -> dict[str, list[Position]]:
    """Each district's Voronoi cell (its centre's nearest region), clipped to the regency's box, as a
    closed ring of [lon, lat]. Distances in a plane scaled by the cosine of the middle latitude, so a
    degree of longitude counts what it measures there."""
    (south, west), (north, east) = regency.bounds
    scale = math.cos(math.radians((south + north) / 2))
    centres = {name: (lon * scale, lat) for name, (lat, lon) in regency.district_centers.items()}
    missing = [d for d in regency.districts if d not in centres]
    if missing:
        raise SystemExit(f"{regency.code}: no centre for {', '.join(missing)} (core/regency.py)")
    box = [(west * scale, south), (east * scale, south), (east * scale, north), (west * scale, north)]
    cells: dict[str, list[Position]] = {}
    for name, centre in centres.items():
        cell = box
        for other_name, other in centres.items():
            if other_name != name:
                cell = _clip(cell, centre, other)
        ring = [(round(x / scale, 6), round(y, 6)) for x, y in cell]
        cells[name] = [*ring, ring[0]]
    return cells


def approximate(regency: Regency, output: Path) -> int:
    document = feature_collection(
        voronoi_cells(regency), {"approximate": True, "regency": regency.code, "source": APPROXIMATE_NOTE}
    )
    output.write_text(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    print(f"wrote {output} ({len(document['features'])} cells): approximate, not official boundaries")
    return 0


def check(path: Path, regency: Regency, name_property: str) -> int:
    try:
        boundaries = read_boundaries(path, regency, name_property)
    except (BoundaryError, OSError, ValueError) as error:
        problems = error.problems if isinstance(error, BoundaryError) else [str(error)]
        print(f"{path}: cannot be used:", *(f"  - {p}" for p in problems), sep="\n")
        return 1
    kind = "approximate (development)" if boundaries.approximate else "as given (check its source)"
    print(f"{path}: {len(boundaries.areas)} districts of {regency.name}, {kind}")
    for name, found in sorted(misplaced_centres(boundaries, regency).items()):
        print(f"  note: the centre of {name} (core/regency.py) lies in {found or 'no polygon'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="validate a boundary file")
    checking.add_argument("file", type=Path)
    checking.add_argument("--regency", default="banyuwangi", choices=sorted(REGENCIES))
    checking.add_argument(
        "--name-property", help="the property naming each kecamatan (default: the regency's)"
    )
    writing = commands.add_parser("approximate", help="write the approximate development file")
    writing.add_argument("--regency", default="banyuwangi", choices=sorted(REGENCIES))
    writing.add_argument("--output", type=Path, help="default: the regency's boundaries_file")
    args = parser.parse_args(argv)
    regency = REGENCIES[args.regency]
    if args.command == "check":
        return check(args.file, regency, args.name_property or regency.boundaries_name_property)
    if args.output is None and regency.boundaries_file is None:
        raise SystemExit(f"{regency.code} names no boundaries_file: pass --output")
    return approximate(regency, args.output or CORE_DIR / str(regency.boundaries_file))


if __name__ == "__main__":
    sys.exit(main())

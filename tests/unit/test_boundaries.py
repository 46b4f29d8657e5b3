"""Kecamatan boundaries: point-in-polygon at its edges, the loader's checks, and the file Banyuwangi ships."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.boundaries import (
    CORE_DIR,
    BoundaryError,
    Polygon,
    boundaries_for,
    district_at,
    in_ring,
    load_boundaries,
    misplaced_centres,
    on_ring,
)
from core.regency import REGENCIES, Regency
from tools import boundaries as tool

TEST = Regency(
    code="test",
    name="Kabupaten Uji",
    timezone="Asia/Jakarta",
    districts=("Alpha", "Beta", "Gamma"),
    center=(5.0, 5.0),
    bounds=((-1.0, -1.0), (11.0, 11.0)),
)
SQUARE = ((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0))
HOLE = ((1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0))
# A U: the notch between its arms (x 1..3, y 2..4) is outside.
U_SHAPE = (
    (0.0, 0.0),
    (4.0, 0.0),
    (4.0, 4.0),
    (3.0, 4.0),
    (3.0, 2.0),
    (1.0, 2.0),
    (1.0, 4.0),
    (0.0, 4.0),
    (0.0, 0.0),
)


def ring(points: tuple[tuple[float, float], ...]) -> list[list[float]]:
    return [list(p) for p in points]


def feature(
    name: str, *rings: tuple[tuple[float, float], ...], multi: list[Any] | None = None
) -> dict[str, Any]:
    geometry = (
        {"type": "MultiPolygon", "coordinates": multi}
        if multi is not None
        else {"type": "Polygon", "coordinates": [ring(r) for r in rings]}
    )
    return {"type": "Feature", "properties": {"name": name}, "geometry": geometry}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def three_districts() -> dict[str, Any]:
    """Alpha and Beta share the edge x = 4; Gamma is two islands."""
    beta = ((4.0, 0.0), (8.0, 0.0), (8.0, 4.0), (4.0, 4.0), (4.0, 0.0))
    islands = [
        [ring(((0.0, 6.0), (1.0, 6.0), (1.0, 7.0), (0.0, 6.0)))],
        [ring(((9.0, 9.0), (10.0, 9.0), (10.0, 10.0), (9.0, 9.0)))],
    ]
    return collection(feature("alpha", SQUARE, HOLE), feature("BETA", beta), feature("Gamma", multi=islands))


# -- point in polygon -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "inside"),
    [
        (0.5, 0.5, True),
        (5.0, 2.0, False),
        (-0.1, 2.0, False),
        (2.0, 1.5, True),  # below the notch
        (2.0, 3.0, False),  # in the notch
        (0.5, 3.9, True),  # in the left arm
        (3.5, 2.0, True),  # the ray through the notch's corner (3, 2) counts it once
        (-1.0, 2.0, False),  # a ray along the horizontal edge y = 2
    ],
)
def test_ray_casting_in_a_concave_ring(x: float, y: float, inside: bool) -> None:
    assert in_ring(U_SHAPE, x, y) is inside


@pytest.mark.parametrize(("x", "y"), [(0.0, 2.0), (4.0, 4.0), (2.0, 0.0), (2.0, 2.0), (0.0, 0.0), (3.0, 3.0)])
def test_points_on_the_ring_are_on_it(x: float, y: float) -> None:
    assert on_ring(U_SHAPE, x, y)


def test_a_polygons_edges_and_its_holes_edges_are_its_own_but_not_the_holes_inside() -> None:
    polygon = Polygon(SQUARE, (HOLE,))

    assert polygon.contains(0.5, 0.5)
    assert not polygon.contains(2.0, 2.0)  # in the hole
    assert polygon.contains(1.0, 2.0)  # on the hole's edge
    assert polygon.contains(4.0, 2.0)  # on the outer edge
    assert polygon.contains(0.0, 0.0)  # a vertex
    assert not polygon.contains(4.0001, 2.0)


@given(
    st.floats(-10, 10),
    st.floats(-10, 10),
    st.floats(0.01, 10),
    st.floats(0.01, 10),
    st.floats(-15, 15),
    st.floats(-15, 15),
)
def test_ray_casting_agrees_with_a_rectangles_own_test(
    x0: float, y0: float, width: float, height: float, x: float, y: float
) -> None:
    x1, y1 = x0 + width, y0 + height
    rectangle = ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    strictly_inside = x0 < x < x1 and y0 < y < y1
    outside = x < x0 or x > x1 or y < y0 or y > y1

    if strictly_inside:
        assert in_ring(rectangle, x, y) or on_ring(rectangle, x, y)
    if outside:
        assert not in_ring(rectangle, x, y)
        assert not on_ring(rectangle, x, y) or min(abs(x - x0), abs(x - x1), abs(y - y0), abs(y - y1)) < 1e-9


@given(st.floats(0.01, 0.99), st.floats(0.01, 0.99))
def test_ray_casting_agrees_with_barycentric_coordinates_in_a_triangle(u: float, v: float) -> None:
    triangle = ((1.0, 1.0), (7.0, 2.0), (3.0, 8.0), (1.0, 1.0))
    (ax, ay), (bx, by), (cx, cy) = triangle[:3]
    x, y = ax + u * (bx - ax) + v * (cx - ax), ay + u * (by - ay) + v * (cy - ay)
    inside = u + v < 1 - 1e-9
    outside = u + v > 1 + 1e-9

    if inside:
        assert in_ring(triangle, x, y) or on_ring(triangle, x, y)
    if outside:
        assert not in_ring(triangle, x, y)


# -- the loader ---------------------------------------------------------------------------------------


def test_a_valid_file_locates_points_holes_islands_and_shared_edges() -> None:
    boundaries = load_boundaries(three_districts(), TEST)

    assert boundaries.districts == ("Alpha", "Beta", "Gamma")  # spelled as the regency spells them
    assert boundaries.locate(0.5, 0.5) == "Alpha"  # (lat, lon): y = 0.5, x = 0.5
    assert boundaries.locate(2.0, 6.0) == "Beta"
    assert boundaries.locate(2.0, 2.0) is None  # Alpha's hole, nobody's
    assert boundaries.locate(9.2, 9.8) == "Gamma"  # its second island
    assert boundaries.locate(6.2, 0.5) == "Gamma"
    assert boundaries.locate(2.0, 4.0) == "Alpha"  # on the edge Alpha and Beta share: the first by name
    assert boundaries.locate(20.0, 20.0) is None
    assert boundaries.locate(math.nan, 1.0) is None
    assert not boundaries.approximate


def problems(data: Any, regency: Regency = TEST) -> list[str]:
    with pytest.raises(BoundaryError) as failure:
        load_boundaries(data, regency)
    return failure.value.problems


def test_the_loader_refuses_what_is_not_a_feature_collection() -> None:
    assert problems([]) == ["the file must be a GeoJSON FeatureCollection"]
    assert problems({"type": "Feature"}) == ["the file must be a GeoJSON FeatureCollection"]
    assert "1 to" in problems(collection())[0]


def test_the_loader_names_every_district_it_misses_and_every_name_it_does_not_know() -> None:
    data = three_districts()
    data["features"][1]["properties"]["name"] = "Delta"
    data["features"][2]["properties"] = {"NAMOBJ": "Gamma"}

    found = problems(data)

    assert "features[1]: 'Delta' is not a district of Kabupaten Uji" in found
    assert "features[2]: no 'name' property naming its kecamatan" in found
    assert "no polygon for Beta, Gamma" in found


def test_the_loader_takes_the_name_from_the_property_it_is_told() -> None:
    data = three_districts()
    for item in data["features"]:
        item["properties"] = {"WADMKC": item["properties"]["name"]}

    assert load_boundaries(data, TEST, name_property="WADMKC").districts == ("Alpha", "Beta", "Gamma")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.pop(), "the ring is not closed"),
        (lambda r: r.__setitem__(slice(None), r[:3]), "at least 4 positions"),
        (lambda r: r.__setitem__(1, ["4", 0]), "a position is [longitude, latitude] in numbers"),
        (lambda r: r.__setitem__(1, [math.inf, 0.0]), "not a finite number"),
        (lambda r: r.__setitem__(1, [114.1, -8.3]), "outside Kabupaten Uji's box"),
    ],
)
def test_the_loader_refuses_broken_rings(change: Any, expected: str) -> None:
    data = three_districts()
    change(data["features"][1]["geometry"]["coordinates"][0])

    assert any(expected in problem for problem in problems(data)), problems(data)


def test_swapped_coordinates_are_named_for_what_they_probably_are() -> None:
    data = json.loads((CORE_DIR / str(REGENCIES["banyuwangi"].boundaries_file)).read_text(encoding="utf-8"))
    for item in data["features"]:
        item["geometry"]["coordinates"] = [
            [[lat, lon] for lon, lat in r] for r in item["geometry"]["coordinates"]
        ]

    found = problems(data, REGENCIES["banyuwangi"])

    assert "are they swapped" in found[0]


def test_a_geometry_that_is_no_polygon_is_refused() -> None:
    data = three_districts()
    data["features"][1]["geometry"] = {"type": "Point", "coordinates": [5.0, 2.0]}

    assert "features[1].geometry: the geometry must be a Polygon or a MultiPolygon, not 'Point'" in problems(
        data
    )


def test_a_file_too_large_to_walk_is_refused_before_it_is_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.boundaries.MAX_POSITIONS", 10)

    assert "too large" in problems(three_districts())[0]


# -- the file Banyuwangi ships, and the tool that wrote it ------------------------------------------------


BANYUWANGI = REGENCIES["banyuwangi"]


def test_banyuwangis_file_says_it_is_approximate_and_places_every_centre_in_its_own_district() -> None:
    boundaries = boundaries_for("banyuwangi")

    assert boundaries is not None
    assert boundaries.approximate
    assert "NOT an official boundary" in boundaries.source
    assert boundaries.districts == tuple(sorted(BANYUWANGI.districts))
    assert misplaced_centres(boundaries, BANYUWANGI) == {}


def test_the_local_aml_default_and_a_point_at_sea_or_outside() -> None:
    assert district_at(BANYUWANGI, -8.36611, 114.15012) == "Genteng"  # python -m local aml's default
    assert district_at(BANYUWANGI, -8.2262, 114.3665) == "Banyuwangi"
    assert district_at(BANYUWANGI, -9.5, 114.2) is None  # south of the regency's box
    assert district_at(BANYUWANGI, None, None) is None


def test_the_development_file_is_exactly_what_the_tool_writes(tmp_path: Path) -> None:
    """The committed file is the tool's output, so what docs/agencies.md says of it is how it was made."""
    written = tmp_path / "cells.geojson"

    assert tool.main(["approximate", "--output", str(written)]) == 0

    shipped = CORE_DIR / str(BANYUWANGI.boundaries_file)
    assert written.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


def test_the_check_command_passes_the_shipped_file_and_fails_a_broken_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = CORE_DIR / str(BANYUWANGI.boundaries_file)
    broken = tmp_path / "broken.geojson"
    broken.write_text(json.dumps(collection()), encoding="utf-8")

    assert tool.main(["check", str(shipped)]) == 0
    assert "25 districts" in capsys.readouterr().out
    assert tool.main(["check", str(broken)]) == 1
    assert "cannot be used" in capsys.readouterr().out

"""The operators' panel in the cloud: its files and runtime configuration deployed to the private bucket
behind CloudFront, and its origin approved in Amazon Connect for the embedded softphone."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from core.regency import REGENCIES
from infra.config import ConfigError
from infra.definitions import PANEL_DIR
from tests.infra.conftest import FULL, PANEL_DOMAIN, synthesize
from tests.infra.helpers import Synthesized, get_att, ref, render

MARKER = re.compile(r"<<marker:0xbaba:\d+>>")


def deployment(config: Synthesized) -> dict[str, Any]:
    (resource,) = config.of_type("Custom::CDKBucketDeployment").values()
    properties: dict[str, Any] = resource["Properties"]
    return properties


def config_json(config: Synthesized) -> tuple[dict[str, Any], dict[str, Any]]:
    """config.json as deployed: the document with its deploy-time markers, and what each marker becomes."""
    properties = deployment(config)
    for key, markers in zip(properties["SourceObjectKeys"], properties["SourceMarkers"], strict=True):
        archive = config.outdir / f"asset.{key.removesuffix('.zip')}"
        if archive.is_dir() and (archive / "config.json").is_file():
            text = (archive / "config.json").read_text(encoding="utf-8")
        elif (config.outdir / f"asset.{key}").is_file():
            with zipfile.ZipFile(config.outdir / f"asset.{key}") as zipped:
                if "config.json" not in zipped.namelist():
                    continue
                text = zipped.read("config.json").decode()
        else:
            continue
        # A marker stands for a JSON value (quotes included); put a placeholder string in its place.
        document: dict[str, Any] = json.loads(MARKER.sub(lambda m: json.dumps(m.group(0)), text))
        return document, markers
    raise AssertionError("no config.json among the deployment's sources")


def test_the_panel_files_go_to_the_private_bucket_and_invalidate_cloudfront(config: Synthesized) -> None:
    properties = deployment(config)

    (panel_bucket,) = [lid for lid in config.of_type("AWS::S3::Bucket") if lid.startswith("HostingPanel")]
    assert properties["DestinationBucketName"] == ref(panel_bucket)
    assert properties["DistributionId"] == ref(config.only("AWS::CloudFront::Distribution"))
    assert properties["DistributionPaths"] == ["/*"]
    assert properties["Prune"] is True
    assert len(properties["SourceObjectKeys"]) == 2  # panel/ and config.json


def test_browsers_revalidate_every_panel_file_and_cloudfront_honours_it(config: Synthesized) -> None:
    """A deployment must never leave a browser with old and new ES modules mixed: every file, config.json
    included, is served with Cache-Control: no-cache (revalidated on each load, a 304 when unchanged), and
    CloudFront's cache policy follows the origin's headers rather than a TTL of its own."""
    assert deployment(config)["SystemMetadata"] == {"cache-control": "no-cache"}
    distribution = config.props(config.only("AWS::CloudFront::Distribution"))["DistributionConfig"]
    # CachingOptimized (AWS managed): honours Cache-Control from the origin, minimum TTL 1 s
    assert distribution["DefaultCacheBehavior"]["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"


def test_the_panel_asset_is_the_panel_directory(config: Synthesized) -> None:
    properties = deployment(config)
    shipped: set[str] = set()
    for key in properties["SourceObjectKeys"]:
        folder = config.outdir / f"asset.{key.removesuffix('.zip')}"
        if folder.is_dir() and (folder / "index.html").is_file():
            shipped = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    expected = {str(p.relative_to(PANEL_DIR)) for p in PANEL_DIR.rglob("*") if p.is_file()}
    assert shipped == expected


def test_config_json_names_the_api_the_pool_and_the_regency(config: Synthesized) -> None:
    document, markers = config_json(config)
    values = {marker: render(value) for marker, value in markers.items()}

    def resolved(field: Any) -> str:
        return values[field] if isinstance(field, str) and field in values else json.dumps(field)

    assert ref(config.only("AWS::ApiGateway::RestApi"))["Ref"] in resolved(document["apiUrl"])
    assert ref(config.only("AWS::Cognito::UserPool"))["Ref"] in resolved(document["cognito"]["userPoolId"])
    assert ref(config.only("AWS::Cognito::UserPoolClient"))["Ref"] in resolved(
        document["cognito"]["clientId"]
    )
    assert "cognito-idp." in resolved(document["cognito"]["endpoint"])
    banyuwangi = REGENCIES["banyuwangi"]
    assert document["regency"]["districts"] == list(banyuwangi.districts)
    # every district has its centre, for the map to outline a district named without a point
    assert document["regency"]["districtCenters"] == {
        name: list(point) for name, point in banyuwangi.district_centers.items()
    }
    assert set(document["regency"]["districtCenters"]) == set(banyuwangi.districts)
    assert document["regency"]["timezone"] == "Asia/Jakarta"
    assert document["routing"]["FIRE"] == ["DAMKAR"]
    assert document["stage"] == config.stage


def test_a_created_connect_instance_gives_the_panel_its_softphone(dev: Synthesized) -> None:
    document, markers = config_json(dev)
    ccp = render(markers[document["connect"]["ccpUrl"]])

    assert ".my.connect.aws/ccp-v2/" in ccp
    assert "respon112-dev-" in ccp


def test_an_imported_instance_without_a_softphone_url_leaves_connect_out(full: Synthesized) -> None:
    document, _ = config_json(full)
    # CDK's Source.jsonData drops null values (jsii turns None into undefined): the key is absent.
    assert document.get("connect") is None


def test_an_imported_instance_with_its_softphone_url(tmp_path: Path) -> None:
    ccp = "https://banyuwangi112.my.connect.aws/ccp-v2/"
    synthesized = synthesize("full-ccp", {**FULL, "connectCcpUrl": ccp}, tmp_path)
    document, markers = config_json(synthesized)

    value = document["connect"]["ccpUrl"]
    assert (render(markers[value]) if value in markers else value).strip('"') == ccp


@pytest.mark.parametrize("name", ["dev", "full"])
def test_connect_approves_the_panels_https_origins(name: str, synthesized: Any) -> None:
    config: Synthesized = synthesized(name)
    origins = {
        render(r["Properties"]["Origin"]) for r in config.of_type("AWS::Connect::ApprovedOrigin").values()
    }
    distribution = config.only("AWS::CloudFront::Distribution")

    assert render({"Fn::Join": ["", ["https://", get_att(distribution, "DomainName")]]}) in origins
    assert all(origin.startswith("https://") for origin in origins)  # Connect refuses http origins
    if name == "full":
        assert f"https://{PANEL_DOMAIN}" in origins


def test_the_map_defaults_to_openstreetmap(config: Synthesized) -> None:
    document, _ = config_json(config)

    assert document["map"]["tileUrl"] == "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"


def test_a_tile_server_of_the_regency_reaches_config_json_and_the_csp(tmp_path: Path) -> None:
    tiles = {"tileUrl": "https://peta.banyuwangikab.go.id/tiles/{z}/{x}/{y}.png", "attribution": "Pemkab"}
    synthesized = synthesize("full-tiles", {**FULL, "mapTiles": tiles}, tmp_path)

    document, _ = config_json(synthesized)
    headers = synthesized.only("AWS::CloudFront::ResponseHeadersPolicy")
    security = synthesized.props(headers)["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    policy = render(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])

    assert document["map"] == tiles
    (img_src,) = [d for d in policy.split("; ") if d.startswith("img-src ")]
    assert img_src == "img-src 'self' data: https://peta.banyuwangikab.go.id"


@pytest.mark.parametrize(
    "tiles",
    [
        {"tileUrl": "http://tiles.example/{z}/{x}/{y}.png"},
        {"tileUrl": "https://tiles.example/{z}/{x}.png"},
        {"attribution": "no url"},
        {"tileUrl": "https://tiles.example/{z}/{x}/{y}.png", "apiKey": "x"},
    ],
)
def test_a_tile_server_that_is_not_a_https_template_is_refused(tiles: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapTiles"):
        synthesize("full-bad-tiles", {**FULL, "mapTiles": tiles}, tmp_path)

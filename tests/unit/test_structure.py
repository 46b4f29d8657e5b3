"""The structure of functions/, read from the code (docs/decisions.md 35): handlers above core, nothing
importing upwards, only the adapters reaching AWS or another platform, a function's name leading to
its module (`<package>-<module>` runs `functions/<package>/<module>.py`'s `lambda_handler`), and an API's
routes in Routers under `<package>/routes/` that its entry module includes."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import core
from infra.definitions import FUNCTIONS, FUNCTIONS_DIR, FunctionDesign
from intake import web
from verify import api

HANDLER_PACKAGES = {"intake", "verify", "dispatch", "reply", "privacy", "agency", "stats"}
OUTSIDE = {"local", "infra", "tests", "tools", "bench"}  # what deploys or drives the functions
# Each adapter, and what it reaches: the only modules that talk to AWS or another platform.
ADAPTERS = {
    "core.repository": "DynamoDB",
    "core.stats_store": "DynamoDB",
    "core.messaging": "SQS, SNS",
    "core.storage": "S3",
    "core.directory": "Cognito",
    "core.agents": "Amazon Connect",
    "core.agency_store": "DynamoDB",
    "core.sealing": "KMS",
    "core.secrets": "Secrets Manager",
    "core.idempotency": "DynamoDB",
    "core.graph_api": "Meta's Graph API",
    "core.x_api": "X's direct messages",
    "core.agency_channels": "SNS SMS, SES, the agencies' HTTPS endpoints",
}
# Imports that reach out, by module prefix: boto3 itself, Powertools utilities that call AWS, the network.
REACHING_OUT = (
    "boto3",
    "botocore",
    "aws_lambda_powertools.utilities.parameters",
    "aws_lambda_powertools.utilities.idempotency",
    "urllib.request",
    "http.client",
    "socket",
)
BOTO3_ADAPTERS = {
    "core.repository",
    "core.stats_store",
    "core.messaging",
    "core.storage",
    "core.directory",
    "core.agents",
    "core.agency_store",
    "core.sealing",
    "core.agency_channels",
}
# The APIs split into Powertools Routers: the package whose routes/ holds them, and its entry module.
ROUTED = {"intake": web, "verify": api}
SHARED_ROUTES_MODULE = "request"  # what a package's routes share; the only routes module they import
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "route"}


def module_name(path: Path) -> str:
    parts = path.relative_to(FUNCTIONS_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(FUNCTIONS_DIR.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def imports(name: str) -> set[str]:
    """Every module `name` imports, type-only imports included, as absolute dotted names."""
    found: set[str] = set()
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def top(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


def reaches_out(module: str) -> bool:
    return any(module == prefix or module.startswith(f"{prefix}.") for prefix in REACHING_OUT)


HANDLER_MODULES = {design.handler.rpartition(".")[0] for design in FUNCTIONS}


def test_the_structure_is_read_from_every_package() -> None:
    assert {top(name) for name in MODULES} == {"core"} | HANDLER_PACKAGES
    assert {top(module) for module in HANDLER_MODULES} == HANDLER_PACKAGES


@pytest.mark.parametrize("name", sorted(n for n in MODULES if top(n) == "core"))
def test_core_imports_no_handler_and_nothing_outside_functions(name: str) -> None:
    assert {top(m) for m in imports(name)} & (HANDLER_PACKAGES | OUTSIDE) == set()


@pytest.mark.parametrize("name", sorted(n for n in MODULES if top(n) in HANDLER_PACKAGES))
def test_a_handler_package_imports_core_and_itself_only(name: str) -> None:
    others = (HANDLER_PACKAGES - {top(name)}) | OUTSIDE
    assert {top(m) for m in imports(name)} & others == set()


def test_no_module_imports_a_functions_entry_module() -> None:
    """The entry modules are the top: what they use lies below them (intake-web's routes included)."""
    importers = {name: imports(name) & HANDLER_MODULES for name in MODULES}
    assert {name: found for name, found in importers.items() if found} == {}


def test_only_the_adapters_reach_aws_or_another_platform() -> None:
    reaching = {name for name in MODULES if any(reaches_out(m) for m in imports(name))}
    assert reaching == set(ADAPTERS)
    boto3_users = {name for name in MODULES if {top(m) for m in imports(name)} & {"boto3", "botocore"}}
    assert boto3_users == BOTO3_ADAPTERS


def test_cores_docstring_names_every_adapter() -> None:
    """The package's own description of who reaches AWS is the list the test holds the code to."""
    text = " ".join((core.__doc__ or "").split())
    for adapter, reached in ADAPTERS.items():
        assert f"`{adapter.removeprefix('core.')}` ({reached})" in text, adapter


@pytest.mark.parametrize("design", FUNCTIONS, ids=lambda d: d.name)
def test_a_functions_name_leads_to_its_module(design: FunctionDesign) -> None:
    package, module = design.name.split("-")
    assert design.handler == f"{package}.{module}.lambda_handler"
    # and its module says so first
    docstring = ast.get_docstring(TREES[f"{package}.{module}"]) or ""
    assert docstring.startswith(design.name), docstring[:80]


def test_only_the_functions_modules_have_an_entry_point() -> None:
    entry_points = {
        name
        for name, tree in TREES.items()
        if any(isinstance(node, ast.FunctionDef) and node.name == "lambda_handler" for node in tree.body)
    }
    assert entry_points == HANDLER_MODULES


def routes_modules(package: str) -> list[str]:
    return [name for name in MODULES if name.startswith(f"{package}.routes.")]


def test_the_routed_packages_are_the_ones_with_routes() -> None:
    assert {top(name) for name in MODULES if name.split(".")[1:2] == ["routes"]} == set(ROUTED)


@pytest.mark.parametrize("package", sorted(ROUTED))
def test_the_entry_module_includes_every_router_of_its_routes(package: str) -> None:
    """Every module under <package>/routes/ but the shared one is a Router, and the entry includes it."""
    entry = ROUTED[package]
    shared = f"{package}.routes.{SHARED_ROUTES_MODULE}"
    routers = {name for name in routes_modules(package) if hasattr(importlib.import_module(name), "router")}
    assert routers == set(routes_modules(package)) - {shared}
    assert {module.__name__ for module in entry.ROUTES} == routers
    # included, not only listed: Powertools hands a Router the resolver that included it
    assert all(module.router.api_resolver is entry.app for module in entry.ROUTES)


@pytest.mark.parametrize("package", sorted(ROUTED))
def test_the_entry_module_declares_no_route_but_its_document(package: str) -> None:
    """The entry stays small: the resolver, its error handlers, the OpenAPI document and lambda_handler."""
    tree = TREES[ROUTED[package].__name__]
    declared = [
        decorator.args[0].value
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in HTTP_METHODS
        and decorator.args
        and isinstance(decorator.args[0], ast.Constant)
    ]
    assert [str(path).rpartition("/")[2] for path in declared] == ["openapi.json"], declared


@pytest.mark.parametrize("name", sorted(n for package in ROUTED for n in routes_modules(package)))
def test_a_routes_module_imports_no_other_but_the_shared_one(name: str) -> None:
    """A concern's routes stand alone: what two of them need lives in the shared module, not in either."""
    package = top(name)
    within = {module for module in imports(name) if module.startswith(f"{package}.routes.")}
    other_routes = {module for module in within if module.split(".")[2] != SHARED_ROUTES_MODULE}
    assert other_routes == set()

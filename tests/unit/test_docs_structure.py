"""The README stays short and starts with the two commands; every page in docs/ is linked from it, opens
with a summary and has headings; and what the README and docs/ name is there: links and their anchors,
repository paths, `python -m local` commands and their options, `make` targets, API routes, the panel's
modules. docs/decisions.md is a record of choices made over time, so only its links are held here."""

from __future__ import annotations

import argparse
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.definitions import ROOT
from local.__main__ import COMMANDS, parser

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
LINKED = [README, *PAGES, ROOT / "events" / "README.md"]  # every Markdown file a reader follows links in
CURRENT = [README, *(page for page in PAGES if page.name != "decisions.md")]  # describe the code as it is
README_LIMIT = 13_000  # bytes: the pitch, the two commands, "try it", the picture, the layout, the map

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
REPO_DIRS = ("functions", "infra", "local", "panel", "tests", "events", "bench", "tools", "docs")
REPO_PATH = re.compile(rf"^(?:{'|'.join(REPO_DIRS)})/[\w./-]*$")
LOCAL_ROUTES = {"/_local/outbox", "/2015-03-31/functions/{name}/invocations"}  # the local stack's own


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def prose(text: str) -> str:
    """The text outside fenced code blocks, with inline code spans kept."""
    return FENCE.sub("", text)


def links(text: str) -> list[str]:
    """The targets of the Markdown links in the prose: not inside code, where `[a-z](?:…)` is a pattern."""
    return LINK.findall(SPAN.sub("", prose(text)))


def code(text: str) -> Iterator[str]:
    """Fenced code blocks and inline code spans, each as one string (a span may wrap over two lines)."""
    yield from FENCE.findall(text)
    yield from SPAN.findall(" ".join(prose(text).split()))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose(read(path)), re.MULTILINE):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


# -- the README -------------------------------------------------------------------------------------------


def test_the_readme_stays_short() -> None:
    size = len(README.read_bytes())
    assert size < README_LIMIT, f"README.md is {size} bytes: move the detail into docs/ and link it"


def test_the_readme_starts_with_the_two_commands() -> None:
    text = read(README)
    first = FENCE.search(text)
    assert first, "the README shows its commands in a code block"
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert commands == ["make dev", "make test"]
    # right after the pitch: nothing but the title and prose before them
    before = text[: first.start()]
    assert before.startswith("# ")
    assert not re.search(r"^##", before, re.MULTILINE)


def test_every_page_of_docs_is_linked_from_the_readme() -> None:
    targets = {link.split("#")[0] for link in links(read(README))}

    assert PAGES
    for page in PAGES:
        assert f"docs/{page.name}" in targets, f"README.md does not link docs/{page.name}"


# -- every page -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_each_page_opens_with_a_title_and_a_summary_and_has_headings(page: Path) -> None:
    blocks = read(page).split("\n\n")

    assert blocks[0].startswith("# "), "a title"
    assert "\n" not in blocks[0], "a title of one line"
    summary = blocks[1]
    assert not summary.startswith(("#", "|", "```", "- ")), "a paragraph that says what the page holds"
    assert len(summary) > 80
    assert re.search(r"^## ", read(page), re.MULTILINE)


@pytest.mark.parametrize("path", LINKED, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves_to_a_file_and_its_anchor(path: Path) -> None:
    for link in links(read(path)):
        if re.match(r"^[a-z]+:", link):
            continue  # https:, mailto: … are not ours to check
        target, _, anchor = link.partition("#")
        resolved = (path.parent / target).resolve() if target else path
        assert resolved.exists(), f"{path.name}: {link} names no file"
        if anchor:
            assert anchor in anchors(resolved), f"{path.name}: {link} names no heading of {resolved.name}"


# -- what the pages name ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CURRENT, ids=lambda path: path.name)
def test_the_repository_paths_named_exist(path: Path) -> None:
    for span in code(read(path)):
        if REPO_PATH.match(span):
            assert (ROOT / span.rstrip("/")).exists(), f"{path.name} names {span}, which is not there"


def test_the_readmes_layout_names_what_is_there() -> None:
    """Each line of the layout block describes a folder (at its start) and names files and folders in it:
    every name must exist there (or below it, or from the repository's root, as `panel/vendor/` does)."""
    text = read(README)
    (layout,) = [block for block in FENCE.findall(text) if block.startswith("functions/")]
    folder = parent = ROOT
    checked = 0
    for line in layout.splitlines():
        if found := re.match(r"^(  )?([\w.-]+/)", line):  # a folder, or (indented) one of its folders
            folder = (parent if found.group(1) else ROOT) / found.group(2)
            parent = parent if found.group(1) else folder
            assert folder.is_dir(), f"the layout names {folder.relative_to(ROOT)}/"
        for name in re.findall(r"(?<![\w/<])([\w-]+(?:\.py|\.json|\.html|/))(?![\w>])", line[22:]):
            there = [folder / name, ROOT / name, *(folder.rglob(name.rstrip("/")))]
            assert any(path.exists() for path in there), f"the layout names {name} in {folder.name}/"
            checked += 1
    assert checked > 30


def subcommands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def local_invocations(text: str) -> Iterator[tuple[list[str], bool]]:
    """Each `python -m local …` shown: its arguments, and whether it is a whole command line (in a code
    block) rather than a mention in prose, such as `python -m local instagram` without its text."""
    blocks = FENCE.findall(text)
    for snippet in code(text):
        for found in re.finditer(r"python -m local\b([^`\n#|)]*)", snippet):
            yield shlex.split(found.group(1)), snippet in blocks


@pytest.mark.parametrize("path", CURRENT, ids=lambda path: path.name)
def test_the_local_commands_shown_are_the_command_lines(path: Path) -> None:
    commands = subcommands()
    for args, whole in local_invocations(read(path)):
        if not args or args[0] in ("-h", "--help") or any("<" in arg or "…" in arg for arg in args):
            continue
        name, options = (args[0], args[1:]) if args[0] in commands else ("serve", args)
        known = set(commands[name]._option_string_actions)
        for option in (arg.split("=")[0] for arg in options if arg.startswith("--")):
            assert option in known, f"{path.name}: python -m local {name} has no {option}"
        if whole:
            try:
                parser().parse_args([name, *options])
            except SystemExit:  # argparse's way of saying no (--help, its other exit, is skipped above)
                pytest.fail(f"{path.name}: python -m local {shlex.join(args)} does not parse")


def test_the_local_doc_lists_every_command_with_its_options() -> None:
    text = read(DOCS / "local.md")
    section = text[text.index("## The simulator's commands") :]
    rows = {
        row.split("`")[1].split()[0]: row.split("`")[1]
        for row in section.splitlines()
        if row.startswith("| `")
    }
    commands = subcommands()

    assert set(rows) | {"serve"} == set(COMMANDS)
    for name, synopsis in rows.items():
        for option in re.findall(r"--[a-z-]+", synopsis):
            assert option in commands[name]._option_string_actions, f"{name} {option}"
    serve = set(commands["serve"]._option_string_actions) - {"-h", "--help"}
    options = text[text.index("## Options") : text.index("## What differs")]
    assert serve <= set(re.findall(r"--[a-z-]+", options)), "docs/local.md names every serve option"


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z0-9-]+):.*## ", read(ROOT / "Makefile"), re.MULTILINE))


@pytest.mark.parametrize("path", CURRENT, ids=lambda path: path.name)
def test_the_make_targets_named_exist(path: Path) -> None:
    targets = make_targets()
    for snippet in code(read(path)):
        for target in re.findall(r"(?:^|[\s(`])make ([a-z][a-z0-9-]*)", snippet):
            assert target in targets, f"{path.name} names make {target}"


def test_the_development_page_says_what_every_target_does() -> None:
    rows = [row for row in read(DOCS / "development.md").splitlines() if row.startswith("| `make ")]
    named = {target for row in rows for target in re.findall(r"`make ([a-z0-9-]+)", row.split(" | ")[0])}

    assert named == make_targets() - {"help"}


def openapi_routes() -> set[tuple[str, str]]:
    routes = set()
    for document in ("verify", "intake", "agency"):
        paths = json.loads(read(ROOT / "functions" / document / "openapi.json"))["paths"]
        routes |= {(method.upper(), path) for path, operations in paths.items() for method in operations}
    return routes


def routes_named(text: str) -> set[tuple[str, str]]:
    named = set()
    for method, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)", text):
        named.add((method, path.replace("{id}", "{incident_id}")))
    return named


@pytest.mark.parametrize("path", CURRENT, ids=lambda path: path.name)
def test_the_routes_named_are_the_apis(path: Path) -> None:
    known = openapi_routes() | {(method, route) for method in ("GET", "POST") for route in LOCAL_ROUTES}
    for route in routes_named(read(path)):
        assert route in known, f"{path.name} names {' '.join(route)}, which no API serves"


def test_the_api_page_names_every_route() -> None:
    assert openapi_routes() <= routes_named(read(DOCS / "api.md"))


def test_the_panel_page_names_every_module() -> None:
    text = read(DOCS / "panel.md")
    for module in sorted((ROOT / "panel" / "js").glob("*.js")):
        assert f"`{module.name}`" in text or f"panel/js/{module.name}" in text, module.name

"""A model of how AWS WAF evaluates the rate-based rules of the synthesized web ACL, for the statements and
text transformations this stack uses, so tests can ask "which requests does this rule count, under which
key" of the template itself. Anything the model does not know raises instead of guessing.

What it follows from WAF's documentation: a rate-based rule counts a request only when its scope-down
statement matches; IP aggregates by the client address; CUSTOM_KEYS with a header aggregates by that
header's value, and a request without the header is not counted; header names match regardless of case;
a statement about a header the request lacks does not match; text transformations run lowest priority
first; NORMALIZE_PATH removes repeated slashes and `.` and `..` segments (not a leading `..`); rules are
evaluated lowest priority first, a Block or Allow ends the evaluation, and a rule never sees (so a
rate-based rule never counts) a request an earlier rule ended.

AWS's managed rule groups are not modelled: `verdicts` passes over them, so it answers for the stack's own
rules only.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # the URI path as sent, without the query string
    ip: str = "203.0.113.10"
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def normalize_path(path: str) -> str:
    trailing = path.endswith("/") and len(path) > 1
    out: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == ".." and out and out[-1] != "..":
            out.pop()
        else:
            out.append(segment)
    return "/" + "/".join(out) + ("/" if trailing and out else "")


_TRANSFORMATIONS = {
    "NONE": lambda v: v,
    "URL_DECODE": unquote,
    "NORMALIZE_PATH": normalize_path,
    "LOWERCASE": str.lower,
}


def transform(value: str, transformations: Iterable[Mapping[str, Any]]) -> str:
    for step in sorted(transformations, key=lambda t: int(t["Priority"])):
        if step["Type"] not in _TRANSFORMATIONS:
            raise NotImplementedError(f"text transformation {step['Type']} is not modelled")
        value = _TRANSFORMATIONS[step["Type"]](value)
    return value


def _field(field_to_match: Mapping[str, Any], request: Request) -> str | None:
    ((kind, spec),) = field_to_match.items()
    if kind == "UriPath":
        return request.path
    if kind == "SingleHeader":
        return request.header(str(spec["Name"]))
    if kind == "Method":
        return request.method
    raise NotImplementedError(f"field {kind} is not modelled")


def matches(statement: Mapping[str, Any], request: Request) -> bool:
    ((kind, spec),) = statement.items()
    if kind == "NotStatement":
        return not matches(spec["Statement"], request)
    if kind == "AndStatement":
        return all(matches(s, request) for s in spec["Statements"])
    if kind == "OrStatement":
        return any(matches(s, request) for s in spec["Statements"])
    if kind in ("RegexMatchStatement", "SizeConstraintStatement", "ByteMatchStatement"):
        raw = _field(spec["FieldToMatch"], request)
        if raw is None:
            return False
        value = transform(raw, spec["TextTransformations"])
        if kind == "RegexMatchStatement":
            return re.search(spec["RegexString"], value) is not None
        if kind == "SizeConstraintStatement":
            size, limit = len(value.encode()), int(spec["Size"])
            compare = {"EQ": size == limit, "NE": size != limit, "LE": size <= limit, "LT": size < limit,
                       "GE": size >= limit, "GT": size > limit}  # fmt: skip
            return compare[spec["ComparisonOperator"]]
        wanted, where = str(spec["SearchString"]), spec["PositionalConstraint"]
        return {
            "EXACTLY": value == wanted,
            "STARTS_WITH": value.startswith(wanted),
            "ENDS_WITH": value.endswith(wanted),
            "CONTAINS": wanted in value,
        }[where]
    raise NotImplementedError(f"statement {kind} is not modelled")


def rate_rules(acl: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The web ACL's rate-based rules by name."""
    return {rule["Name"]: rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"]}


def aggregation_key(rule: Mapping[str, Any], request: Request) -> tuple[str, ...] | None:
    """The key under which `rule` counts `request`, or None when it does not count it."""
    statement = rule["Statement"]["RateBasedStatement"]
    scope = statement.get("ScopeDownStatement")
    if scope is not None and not matches(scope, request):
        return None
    kind = statement["AggregateKeyType"]
    if kind == "IP":
        return (request.ip,)
    if kind == "CUSTOM_KEYS":
        key: list[str] = []
        for custom in statement["CustomKeys"]:
            ((what, spec),) = custom.items()
            if what == "IP":
                key.append(request.ip)
            elif what == "Header":
                value = request.header(str(spec["Name"]))
                if value is None:
                    return None
                key.append(transform(value, spec["TextTransformations"]))
            else:
                raise NotImplementedError(f"aggregation key {what} is not modelled")
        return tuple(key)
    raise NotImplementedError(f"aggregate key type {kind} is not modelled")


def counts(rule: Mapping[str, Any], requests: Iterable[Request]) -> Counter[tuple[str, ...]]:
    """How many of `requests` (all within one evaluation window) `rule` counts, per key."""
    counted: Counter[tuple[str, ...]] = Counter()
    for request in requests:
        key = aggregation_key(rule, request)
        if key is not None:
            counted[key] += 1
    return counted


def verdicts(acl: Mapping[str, Any], requests: Iterable[Request]) -> list[str | None]:
    """For each of `requests`, in the order they arrive and all within one evaluation window, the name of
    the web ACL's rule that blocks it, or None when the stack's own rules let it through. A rate-based rule
    blocks a request once it has counted more than its limit under that request's key."""
    rules = sorted(acl["Rules"], key=lambda rule: int(rule["Priority"]))
    counted: defaultdict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    found: list[str | None] = []
    for request in requests:
        verdict: str | None = None
        for rule in rules:
            statement = rule["Statement"]
            if "ManagedRuleGroupStatement" in statement:
                continue
            if "RateBasedStatement" in statement:
                key = aggregation_key(rule, request)
                if key is None:
                    continue
                counted[rule["Name"]][key] += 1
                hit = counted[rule["Name"]][key] > int(statement["RateBasedStatement"]["Limit"])
            else:
                hit = matches(statement, request)
            if not hit:
                continue
            ((action, _),) = rule["Action"].items()
            if action not in ("Block", "Allow", "Count"):
                raise NotImplementedError(f"rule action {action} is not modelled")
            if action == "Block":
                verdict = str(rule["Name"])
            if action != "Count":
                break
        found.append(verdict)
    return found

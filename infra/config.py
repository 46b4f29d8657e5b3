"""Stage configuration, read once from CDK context (cdk.json, or `cdk deploy -c key=value`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from constructs import Node

from core.models import AGENCY_CODE_PATTERN
from core.regency import REGENCIES
from core.settings import Settings, SettingsError, policy_with
from core.standing import DEFAULT_POLICY
from infra.constants import DEFAULT_POWERTOOLS_LAYER_VERSION, STAGES
from infra.contact_flow import CONNECT_VOICE, CONNECT_VOICE_ENGINE
from infra.definitions import CALLER_LOOKUP_TIMEOUT_ENV, CALLER_POLICY_ENV

_AGENCY_PROTOCOLS = ("email", "sms", "https")
_INSTANCE_ARN = re.compile(r"^arn:aws[\w-]*:connect:[\w-]+:\d{12}:instance/[\w-]+$")
_PHONE_NUMBER_ARN = re.compile(
    r"^arn:aws[\w-]*:connect:[\w-]+:\d{12}:(instance/[\w-]+/)?phone-number/[\w-]+$"
)
_US_EAST_1_CERTIFICATE = re.compile(r"^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate/[\w-]+$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_POLLY_VOICE = re.compile(r"^[A-Z][A-Za-z]{1,30}$")
_POLLY_ENGINES = ("Standard", "Neural", "Generative")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Subscription:
    protocol: str  # email | sms | https
    endpoint: str


@dataclass(frozen=True)
class StageConfig:
    stage: str
    regency: str = "banyuwangi"
    powertools_layer_version: int = DEFAULT_POWERTOOLS_LAYER_VERSION
    # Amazon Connect: import an existing instance (ARN) or create one (alias).
    connect_instance_arn: str | None = None
    connect_instance_alias: str | None = None
    connect_phone_number_arn: str | None = None  # a number already claimed in the instance
    connect_ccp_url: str | None = (
        None  # the softphone of an imported instance (https://<alias>.my.connect.aws/ccp-v2/)
    )
    # Where the 112 flow sends a caller the operators' queue cannot take (E.164), e.g. the command
    # centre's landline; without it the flow keeps the caller and retries the queue.
    connect_backup_number: str | None = None
    connect_voice: str = CONNECT_VOICE  # the Amazon Polly voice the flow speaks with
    connect_voice_engine: str = CONNECT_VOICE_ENGINE
    intake_provisioned_concurrency: int = 0
    panel_domain_name: str | None = None  # custom domain for the panel (needs the certificate below)
    panel_certificate_arn: str | None = None  # ACM certificate in us-east-1
    panel_allowed_countries: tuple[str, ...] = ("ID",)
    extra_panel_origins: tuple[str, ...] = ()  # e.g. http://localhost:8112 in dev
    map_tiles: dict[str, Any] | None = None  # the panel's tile server; None: OpenStreetMap
    alarm_email: str | None = None
    # SES's verified sender of the e-mails to posts (an address, or any address at a verified domain);
    # without it posts get SMS and HTTPS only.
    agency_email_from: str | None = None
    # The acknowledgement deadlines, when they differ from the regency's ("P1=180,P2=600,P3=1800", s).
    ack_deadlines: str | None = None
    agency_subscriptions: dict[str, tuple[Subscription, ...]] = field(default_factory=dict)
    # The deployment's changes to the regency's prank policy (core.standing), as JSON; None: the regency's.
    caller_policy: str | None = None
    caller_lookup_timeout_ms: int | None = None  # None: the functions' default (300 ms)

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def function_settings(self) -> dict[str, str]:
        """The deployment settings the functions that read them get (infra/definitions.py)."""
        settings = {}
        if self.caller_policy:
            settings[CALLER_POLICY_ENV] = self.caller_policy
        if self.caller_lookup_timeout_ms is not None:
            settings[CALLER_LOOKUP_TIMEOUT_ENV] = str(self.caller_lookup_timeout_ms)
        return settings

    @classmethod
    def from_context(cls, node: Node) -> StageConfig:
        def get(key: str, default: Any = None) -> Any:
            value = node.try_get_context(key)
            return default if value in (None, "") else value

        stage = str(get("stage", "dev"))
        if stage not in STAGES:
            raise ConfigError(f"context stage={stage!r}: one of {', '.join(STAGES)}")
        per_stage = get(stage, {}) or {}  # optional block of stage-specific values in cdk.json

        def value(key: str, default: Any = None) -> Any:
            return per_stage.get(key, get(key, default)) if isinstance(per_stage, dict) else get(key, default)

        instance_arn = value("connectInstanceArn")
        if instance_arn and not _INSTANCE_ARN.match(instance_arn):
            raise ConfigError(f"connectInstanceArn {instance_arn!r} is not a Connect instance ARN")
        phone_number_arn = value("connectPhoneNumberArn")
        if phone_number_arn and not _PHONE_NUMBER_ARN.match(phone_number_arn):
            raise ConfigError(
                f"connectPhoneNumberArn {phone_number_arn!r} is not a Connect phone number ARN "
                "(arn:aws:connect:<region>:<account>:phone-number/<id>)"
            )
        backup_number = value("connectBackupNumber")
        if backup_number and not _E164.match(str(backup_number)):
            raise ConfigError(f"connectBackupNumber {backup_number!r}: a phone number in E.164 (+62…)")
        voice, engine = (
            str(value("connectVoice", CONNECT_VOICE)),
            str(value("connectVoiceEngine", CONNECT_VOICE_ENGINE)),
        )
        if not _POLLY_VOICE.match(voice):
            raise ConfigError(
                f"connectVoice {voice!r}: the name of an Amazon Polly voice, e.g. {CONNECT_VOICE}"
            )
        if engine not in _POLLY_ENGINES:
            raise ConfigError(f"connectVoiceEngine {engine!r}: one of {', '.join(_POLLY_ENGINES)}")
        domain, certificate = value("panelDomainName"), value("panelCertificateArn")
        if bool(domain) != bool(certificate):
            raise ConfigError("panelDomainName and panelCertificateArn go together: give both or neither")
        if certificate and not _US_EAST_1_CERTIFICATE.match(certificate):
            raise ConfigError(
                f"panelCertificateArn {certificate!r}: CloudFront needs an ACM certificate in us-east-1"
            )
        map_tiles = value("mapTiles")
        if isinstance(map_tiles, str):
            map_tiles = json.loads(map_tiles)
        if map_tiles is not None:
            map_tiles = _map_tiles(map_tiles)
        subscriptions = value("agencySubscriptions", {})
        if isinstance(subscriptions, str):
            subscriptions = json.loads(subscriptions)
        regency = str(value("regency", "banyuwangi"))
        caller_policy = _caller_policy(value("callerPolicy"), regency)
        timeout = value("callerLookupTimeoutMs")
        if timeout is not None and not (isinstance(timeout, int | str) and str(timeout).isdigit()
                                        and 50 <= int(timeout) <= 2000):  # fmt: skip
            raise ConfigError(f"callerLookupTimeoutMs {timeout!r}: milliseconds, 50 to 2000")
        return cls(
            stage=stage,
            regency=regency,
            powertools_layer_version=int(value("powertoolsLayerVersion", DEFAULT_POWERTOOLS_LAYER_VERSION)),
            connect_instance_arn=instance_arn,
            connect_instance_alias=value("connectInstanceAlias"),
            connect_phone_number_arn=phone_number_arn,
            connect_ccp_url=value("connectCcpUrl"),
            connect_backup_number=backup_number,
            connect_voice=voice,
            connect_voice_engine=engine,
            intake_provisioned_concurrency=int(
                value("intakeProvisionedConcurrency", 1 if stage == "prod" else 0)
            ),
            panel_domain_name=domain,
            panel_certificate_arn=certificate,
            panel_allowed_countries=tuple(value("panelAllowedCountries", ["ID"])),
            extra_panel_origins=tuple(value("extraPanelOrigins", [])),
            map_tiles=map_tiles,
            alarm_email=value("alarmEmail"),
            agency_email_from=_email_from(value("agencyEmailFrom")),
            ack_deadlines=_ack_deadlines(value("ackDeadlines")),
            agency_subscriptions=_subscriptions(subscriptions),
            caller_policy=caller_policy,
            caller_lookup_timeout_ms=int(timeout) if timeout is not None else None,
        )


def _caller_policy(raw: Any, regency: str) -> str | None:
    """callerPolicy: {"warnAfter": 3, "demoteAfter": 5, …} (docs/callers.md), checked now as the functions
    will read it, so a policy that cannot work fails the synth rather than every call's lookup."""
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise ConfigError(f"callerPolicy: not JSON ({error})") from None
    if not isinstance(raw, dict):
        raise ConfigError('callerPolicy: an object of the policy\'s keys, e.g. {"warnAfter": 3}')
    changes = json.dumps(raw, separators=(",", ":"), sort_keys=True)
    base = REGENCIES[regency].caller_policy if regency in REGENCIES else DEFAULT_POLICY
    try:
        policy_with(base, changes)
    except SettingsError as error:
        raise ConfigError(str(error).replace("CALLER_POLICY", "callerPolicy", 1)) from None
    return changes


def _map_tiles(raw: Any) -> dict[str, Any]:
    """mapTiles: {"tileUrl": "https://…/{z}/{x}/{y}.png", "attribution": "…", "maxZoom": 19,
    "subdomains": "abc"}: the panel's tile server instead of OpenStreetMap's."""
    if not isinstance(raw, dict) or not isinstance(raw.get("tileUrl"), str):
        raise ConfigError("mapTiles: an object with tileUrl (and attribution, maxZoom, subdomains)")
    url = raw["tileUrl"]
    if not url.startswith("https://") or not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise ConfigError(f"mapTiles.tileUrl {url!r}: an https:// template with {{z}}, {{x}} and {{y}}")
    unknown = set(raw) - {"tileUrl", "attribution", "maxZoom", "subdomains"}
    if unknown:
        raise ConfigError(f"mapTiles: unknown keys {sorted(unknown)}")
    return dict(raw)


def _subscriptions(raw: Any) -> dict[str, tuple[Subscription, ...]]:
    if not isinstance(raw, dict):
        raise ConfigError("agencySubscriptions: a map of agency → list of {protocol, endpoint}")
    result: dict[str, tuple[Subscription, ...]] = {}
    for agency, entries in raw.items():
        # Any type the agency directory may hold (it is data: a type added there has no release), spelled
        # as the directory spells codes.
        if not isinstance(agency, str) or not re.match(AGENCY_CODE_PATTERN, agency):
            raise ConfigError(
                f"agencySubscriptions: {agency!r} is no agency type code (capitals, digits, _: DAMKAR)"
            )
        subscriptions = []
        for entry in entries:
            if entry.get("protocol") not in _AGENCY_PROTOCOLS or not entry.get("endpoint"):
                problem = "each entry needs a protocol (email, sms, https) and an endpoint"
                raise ConfigError(f"agencySubscriptions.{agency}: {problem}")
            subscriptions.append(Subscription(entry["protocol"], str(entry["endpoint"])))
        result[agency] = tuple(subscriptions)
    return result


_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")


def _email_from(value: Any) -> str | None:
    if value is None:
        return None
    if not _EMAIL.match(str(value)):
        raise ConfigError(f"agencyEmailFrom {value!r}: an e-mail address SES has verified (or its domain)")
    return str(value)


def _ack_deadlines(value: Any) -> str | None:
    if value is None:
        return None
    try:
        Settings.from_env({"ACK_DEADLINES": str(value)}).ack_deadlines_seconds()
    except SettingsError as error:
        raise ConfigError(f"ackDeadlines: {error}") from None
    return str(value)

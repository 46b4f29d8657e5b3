"""The public channels' storage: the raw archive of every inbound request, and the channels' secrets."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Duration, RemovalPolicy, SecretValue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from core.storage import REFUSED_PREFIX
from infra.config import StageConfig
from infra.constants import (
    RAW_ARCHIVE_EXPIRATION_DAYS,
    RAW_ARCHIVE_INFREQUENT_ACCESS_DAYS,
    RAW_REFUSED_EXPIRATION_DAYS,
)
from infra.definitions import BUCKETS, SECRETS
from infra.nag import acknowledge


class Archive(Construct):
    """Every inbound POST of the public intake (infra.definitions.BUCKETS): byte for byte when it can be
    genuine; cut short under refused/, and gone within days, when it was refused (core.storage)."""

    def __init__(
        self, scope: Construct, id: str, *, config: StageConfig, key: kms.IKey, logs_bucket: s3.IBucket
    ) -> None:
        super().__init__(scope, id)
        self.buckets: dict[str, s3.Bucket] = {}
        for design in BUCKETS:
            self.buckets[design.id] = s3.Bucket(
                self,
                "".join(part.title() for part in design.id.split("-")),
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                encryption=s3.BucketEncryption.KMS,
                encryption_key=key,
                bucket_key_enabled=True,  # one data key per bucket and period: fewer KMS calls
                enforce_ssl=True,
                versioned=True,  # an archived report is never overwritten
                server_access_logs_bucket=logs_bucket,
                server_access_logs_prefix=f"s3/{design.id}/",
                lifecycle_rules=[
                    s3.LifecycleRule(
                        transitions=[
                            s3.Transition(
                                storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                                transition_after=Duration.days(RAW_ARCHIVE_INFREQUENT_ACCESS_DAYS),
                            )
                        ]
                        if RAW_ARCHIVE_EXPIRATION_DAYS[config.stage] > RAW_ARCHIVE_INFREQUENT_ACCESS_DAYS
                        else None,
                        expiration=Duration.days(RAW_ARCHIVE_EXPIRATION_DAYS[config.stage]),
                        noncurrent_version_expiration=Duration.days(30),
                        abort_incomplete_multipart_upload_after=Duration.days(1),
                    ),
                    # Both rules match refused/: S3 applies the earlier expiration.
                    s3.LifecycleRule(
                        prefix=REFUSED_PREFIX,
                        expiration=Duration.days(RAW_REFUSED_EXPIRATION_DAYS),
                        noncurrent_version_expiration=Duration.days(1),
                    ),
                ],
                removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
                auto_delete_objects=not config.is_prod,
            )


class Secrets(Construct):
    """The channels' secrets (infra.definitions.SECRETS), one JSON secret each, KMS-encrypted. The stack
    creates them with a random verify token; the platform secrets are set after deployment
    (docs/deploy.md)."""

    def __init__(self, scope: Construct, id: str, *, config: StageConfig, prefix: str, key: kms.IKey) -> None:
        super().__init__(scope, id)
        self.secrets: dict[str, secretsmanager.Secret] = {}
        for design in SECRETS:
            others = [k for k in design.keys if k != design.generated]
            if design.generated:
                value: dict[str, Any] = {
                    "generate_secret_string": secretsmanager.SecretStringGenerator(
                        secret_string_template=json.dumps(dict.fromkeys(others, "")),
                        generate_string_key=design.generated,
                        exclude_punctuation=True,
                        password_length=32,
                    )
                }
            else:  # every value comes from a platform: empty keys until someone puts them (docs/deploy.md)
                value = {"secret_object_value": {k: SecretValue.unsafe_plain_text("") for k in others}}
            secret = secretsmanager.Secret(
                self,
                "".join(part.title() for part in design.id.split("-")),
                secret_name=design.physical_name(prefix),
                description=f"Respon 112 {design.id}: set the platform values after deployment",
                encryption_key=key,
                **value,
                # The platforms' secrets are typed in by hand after deployment (docs/deploy.md): production
                # keeps them when the stack goes, as it keeps the data they protect.
                removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
            )
            acknowledge(
                secret,
                "AwsSolutions-SMG4",
                "The platform secrets are issued by Meta and X and rotated in their consoles, then put here; "
                "no Lambda rotation can create them.",
            )
            self.secrets[design.id] = secret

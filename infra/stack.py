"""The Respon 112 stack: a thin composition of one construct per concern."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import CfnOutput, IStableStringProducer, Lazy, Stack, Tags
from constructs import Construct

from core.regency import REGENCIES
from infra.api import Api
from infra.auth import Auth
from infra.channels import Archive, Secrets
from infra.config import ConfigError, StageConfig
from infra.connect import Connect
from infra.contact_events import ContactEvents
from infra.data import Data
from infra.definitions import (
    ACK_DEADLINES_ENV,
    AGENCY_TOPIC,
    CONTACT_EVENTS_QUEUE,
    DIRECTORY,
    DISPATCH_QUEUE,
    EMAIL_FROM_ENV,
    INCIDENTS,
    PROJECT,
    PUBLIC_API_ENV,
    RESPONDER_PAGE_ENV,
    panel_config,
    resource_prefix,
)
from infra.encryption import Encryption
from infra.functions import Functions
from infra.hosting import Hosting
from infra.messaging import Messaging
from infra.observability import Observability


@jsii.implements(IStableStringProducer)
class _Later:
    """A value known once a construct made later exists (CDK resolves it at synth)."""

    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self) -> str | None:
        return self._produce()


class Respon112Stack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, **kwargs: Any) -> None:
        super().__init__(
            scope, id, description=f"Respon 112 emergency call centre ({config.stage})", **kwargs
        )
        if config.regency not in REGENCIES:
            raise ConfigError(f"context regency={config.regency!r}: one of {sorted(REGENCIES)}")
        regency = REGENCIES[config.regency]
        prefix = resource_prefix(config.stage)
        Tags.of(self).add("project", PROJECT)
        Tags.of(self).add("stage", config.stage)

        self.encryption = Encryption(self, "Encryption", config, prefix)
        key = self.encryption.key
        self.data = Data(self, "Data", config, prefix, key)
        self.messaging = Messaging(self, "Messaging", config, prefix, key)
        self.auth = Auth(self, "Auth", config, prefix)
        self.hosting = Hosting(self, "Hosting", config=config, prefix=prefix)
        origins = [self.hosting.origin]
        if config.panel_domain_name:
            origins.insert(0, f"https://{config.panel_domain_name}")
        origins += list(config.extra_panel_origins)
        self.archive = Archive(self, "Archive", config=config, key=key, logs_bucket=self.hosting.logs_bucket)
        self.secrets = Secrets(self, "Secrets", config=config, prefix=prefix, key=key)
        # The Connect instance is made with the flow, after the functions (the flow invokes the intake);
        # intake-calls reads the instance's ARN, given here as a value CDK fills in at synth.
        connect_instance_arn = Lazy.string(_Later(lambda: self.connect.instance_arn))
        self.functions = Functions(
            self,
            "Functions",
            config=config,
            prefix=prefix,
            key=key,
            tables=self.data.tables,
            queues=self.messaging.queues,
            topics={AGENCY_TOPIC.id: self.messaging.agency_topic},
            user_pool=self.auth.user_pool,
            buckets=self.archive.buckets,
            secrets=self.secrets.secrets,
            connect_instance_arn=connect_instance_arn,
            # The panel (and the public report form served with it) call the API from CloudFront.
            extra_environment={
                # the panel, the report form and the responders' page are served from the panel's origins
                name: {"CORS_ALLOW_ORIGINS": ",".join(origins)}
                for name in ("verify-api", "intake-web", "agency-api")
            },
            deployment_values={
                # the responders' page is the panel's (respond.html); agencies' systems post to the API
                RESPONDER_PAGE_ENV: origins[0],
                PUBLIC_API_ENV: Lazy.string(_Later(lambda: self.api.api.url)),
                EMAIL_FROM_ENV: config.agency_email_from or "",
                ACK_DEADLINES_ENV: config.ack_deadlines or "",
            },
        )
        functions = self.functions.functions
        self.api = Api(
            self,
            "Api",
            config=config,
            prefix=prefix,
            user_pool=self.auth.user_pool,
            functions=functions,
            allowed_origins=origins,
        )
        self.connect = Connect(
            self,
            "Connect",
            config=config,
            prefix=prefix,
            regency_name=regency.name,
            intake=self.functions.intake_target,
            panel_origins=origins,
        )
        self.contact_events = ContactEvents(
            self,
            "ContactEvents",
            prefix=prefix,
            instance_arn=self.connect.instance_arn,
            queue=self.messaging.queues[CONTACT_EVENTS_QUEUE.id],
            dead_letters=self.messaging.dead_letter_queues[CONTACT_EVENTS_QUEUE.id],
            key=key,
            consumer_role=self.functions.roles["intake-calls"],
        )
        self.observability = Observability(
            self,
            "Observability",
            config=config,
            prefix=prefix,
            key=key,
            functions=functions,
            intake_alias=self.functions.intake_alias,
            queues=self.messaging.queues,
            dead_letter_queues=self.messaging.dead_letter_queues,
            undelivered=self.messaging.undelivered,
            api=self.api.api,
            connect=self.connect.metrics,
        )
        # The only AWS endpoints the panel's pages call (its Content-Security-Policy's connect-src).
        self.hosting.allow_connections(
            f"https://cognito-idp.{self.region}.amazonaws.com",  # as panel_config names it
            f"https://{self.api.api.rest_api_id}.execute-api.{self.region}.{self.url_suffix}",
        )
        self.hosting.deploy_panel(
            panel_config(
                stage=config.stage,
                regency=config.regency,
                api_url=self.api.api.url,  # ends with "/": the panel joins paths without a leading one
                region=self.region,
                user_pool_id=self.auth.user_pool.user_pool_id,
                user_pool_client_id=self.auth.panel_client.user_pool_client_id,
                ccp_url=self.connect.ccp_url,
                map_tiles=config.map_tiles,
                caller_policy=config.caller_policy,
            )
        )

        outputs = {
            "ApiUrl": self.api.api.url,
            "PanelUrl": self.hosting.origin,
            "PanelBucket": self.hosting.bucket.bucket_name,
            "UserPoolId": self.auth.user_pool.user_pool_id,
            "UserPoolClientId": self.auth.panel_client.user_pool_client_id,
            "ConnectInstanceArn": self.connect.instance_arn,
            "ContactFlowArn": self.connect.flow.attr_contact_flow_arn,
            "IncidentsTable": self.data.tables[INCIDENTS.id].table_name,
            "DirectoryTable": self.data.tables[DIRECTORY.id].table_name,  # tools/seed_directory.py
            "DispatchQueueUrl": self.messaging.queues[DISPATCH_QUEUE.id].queue_url,
            "AgencyTopicArn": self.messaging.agency_topic.topic_arn,
            "AlarmTopicArn": self.observability.topic.topic_arn,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)

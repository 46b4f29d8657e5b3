"""Hosting for the operators' panel: a private S3 bucket behind CloudFront (origin access control),
HTTPS only, security headers, access logs, and viewers limited to the regency's country."""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import Duration, IStableStringProducer, Lazy, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.config import StageConfig
from infra.constants import LOG_RETENTION
from infra.definitions import OSM_TILES, PANEL_DIR, content_security_policy
from infra.nag import acknowledge, managed_policy, wildcard_resource

_BUCKET_DEPLOYMENT_UUID = "8693BB64-9689-44B6-9AAF-B0CC9EB8756C"
_PINNED_RUNTIME = "CDK pins its BucketDeployment provider's runtime; it runs only during a deployment."
_BUCKET_DEPLOYMENT_REASONS = {
    managed_policy("service-role/AWSLambdaBasicExecutionRole"): (
        "CDK's BucketDeployment provider writes its logs with the basic execution role."
    ),
    **{
        f"AwsSolutions-IAM5[Action::{action}]": (
            "Granted by CDK's BucketDeployment to copy the panel: read the CDK asset bucket, write and prune "
            "the panel bucket; scoped to those two buckets, used only during a deployment."
        )
        for action in ("s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:Abort*", "s3:DeleteObject*")
    },
    "AwsSolutions-IAM5[Resource::*]": (
        "cloudfront:CreateInvalidation and cloudfront:GetInvalidation, which CDK's BucketDeployment grants "
        "on '*' in a statement of its own (the construct offers no way to scope it to the distribution, "
        "although the actions would allow it). The function runs only when CloudFormation deploys the "
        "panel, and the worst these actions can do is empty a CloudFront cache: they read and write no "
        "content."
    ),
    "Serverless-LambdaDLQ": "Called synchronously by CloudFormation during a deployment, which reports.",
    "Serverless-LambdaTracing": "A deployment-time upload, not a request path worth tracing.",
    "Serverless-LambdaLatestVersion": _PINNED_RUNTIME,
    "AwsSolutions-L1": _PINNED_RUNTIME,
}
# Every file of the panel and its config.json: browsers revalidate each one on every load (a 304 when
# unchanged), so a deployment never leaves a browser with old and new ES modules mixed. CloudFront's
# CachingOptimized policy honours it (its minimum TTL, 1 s, is all an edge keeps a file).
PANEL_CACHE_CONTROL = "no-cache"


class Hosting(Construct):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, prefix: str) -> None:
        super().__init__(scope, id)
        self._config = config
        self._prefix = prefix
        # The AWS endpoints the panel may call (Cognito's, the API's), named once they exist: see
        # allow_connections. The policy is rendered at synth, when they are known.
        self._aws_endpoints: list[str] = []
        tile_url = str((config.map_tiles or OSM_TILES)["tileUrl"])
        removal = RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY
        self.logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=None,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # CloudFront standard logs are written with ACLs.
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365 if config.is_prod else 30))],
            removal_policy=removal,
            auto_delete_objects=not config.is_prod,
        )
        self.bucket = s3.Bucket(
            self,
            "Panel",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="s3/panel/",
            removal_policy=removal,
            auto_delete_objects=not config.is_prod,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=f"{prefix}-panel",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=Lazy.string(
                        _ContentSecurityPolicy(self._aws_endpoints, tile_url)
                    ),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730),
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(
                    protection=True, mode_block=True, override=True
                ),
            ),
        )
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", config.panel_certificate_arn)
            if config.panel_certificate_arn
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{prefix} operators' panel",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=headers,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            ),
            default_root_object="index.html",
            domain_names=[config.panel_domain_name] if config.panel_domain_name and certificate else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,  # includes edge locations in Indonesia
            geo_restriction=cloudfront.GeoRestriction.allowlist(*config.panel_allowed_countries)
            if config.panel_allowed_countries
            else None,
            enable_logging=True,
            log_bucket=self.logs_bucket,
            log_file_prefix="cloudfront/panel/",
        )

        if certificate is None:
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR4",
                "Without a custom domain the distribution serves CloudFront's default certificate, which "
                "does not allow choosing the TLS policy; set panelDomainName and panelCertificateArn to "
                "enforce TLS 1.2 or newer.",
            )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "The distribution serves static files only; a CloudFront web ACL must be created in us-east-1 "
            "while this stack deploys to the Amazon Connect region. The API the panel calls has its own WAF.",
        )

    def allow_connections(self, *aws_endpoints: str) -> None:
        """Let the panel's pages call these AWS endpoints (origins such as the API's and Cognito's) and no
        other: the Content-Security-Policy's connect-src names them instead of every *.amazonaws.com."""
        self._aws_endpoints.extend(aws_endpoints)

    def deploy_panel(self, config: dict[str, Any]) -> s3deploy.BucketDeployment:
        """Upload panel/ and its runtime configuration (config.json, with deploy-time values), every file
        revalidated by browsers (PANEL_CACHE_CONTROL), then invalidate CloudFront so operators get the new
        version on their next reload."""
        files = s3_assets.Asset(self, "PanelAsset", path=str(PANEL_DIR))
        deployment = s3deploy.BucketDeployment(
            self,
            "PanelFiles",
            sources=[
                s3deploy.Source.bucket(files.bucket, files.s3_object_key),
                s3deploy.Source.json_data("config.json", config),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            prune=True,
            cache_control=[s3deploy.CacheControl.from_string(PANEL_CACHE_CONTROL)],
            memory_limit=512,
            log_group=logs.LogGroup(
                self,
                "PanelDeploymentLogs",
                log_group_name=f"/aws/lambda/{self._prefix}-panel-deployment",
                retention=LOG_RETENTION[self._config.stage],
                removal_policy=RemovalPolicy.RETAIN if self._config.is_prod else RemovalPolicy.DESTROY,
            ),
        )
        # CDK's shared provider for BucketDeployment (a Lambda function with the AWS CLI layer).
        provider = Stack.of(self).node.find_child(
            "Custom::CDKBucketDeployment" + _BUCKET_DEPLOYMENT_UUID.replace("-", "") + "512MiB"
        )
        for rule, reason in _BUCKET_DEPLOYMENT_REASONS.items():
            acknowledge(provider, rule, reason)
        # The object ARNs as cdk-nag renders them in this stack (bound to a region or not): see nag.flatten.
        acknowledge(
            provider,
            wildcard_resource(self, files.bucket.arn_for_objects("*")),
            "Read of every object in CDK's bootstrap asset bucket "
            "(cdk-<qualifier>-assets-<account>-<region>), granted by CDK's BucketDeployment: the panel's "
            "archive gets a new key on every change, and the bucket holds only deployment assets; used only "
            "while CloudFormation deploys the panel.",
        )
        acknowledge(
            provider,
            wildcard_resource(self, self.bucket.arn_for_objects("*")),
            "Write and prune every object of the panel bucket, which holds only the panel's files: a "
            "deployment replaces all of them (BucketDeployment with prune).",
        )
        return deployment

    @property
    def origin(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}"


@jsii.implements(IStableStringProducer)
class _ContentSecurityPolicy:
    """The panel's Content-Security-Policy, rendered when the stack is synthesized: by then the endpoints
    given to Hosting.allow_connections are known."""

    def __init__(self, aws_endpoints: list[str], tile_url: str) -> None:
        self._aws_endpoints = aws_endpoints
        self._tile_url = tile_url

    def produce(self) -> str:
        if not self._aws_endpoints:
            raise ValueError("Hosting.allow_connections was never called: the panel could reach no API")
        return content_security_policy(aws_endpoints=self._aws_endpoints, tile_url=self._tile_url)

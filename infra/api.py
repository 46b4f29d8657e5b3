"""The operators' REST API: API Gateway with a Cognito authorizer, routes from the committed OpenAPI
documents (infra.definitions.api_routes), throttling, access logs, WAF, and CORS for the panel only."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.config import StageConfig
from infra.constants import (
    ACCESS_LOG_RETENTION,
    API_THROTTLE_BURST,
    API_THROTTLE_RATE,
    CORS_PREFLIGHT_MAX_AGE_SECONDS,
    PUBLIC_API_THROTTLE_BURST,
    PUBLIC_API_THROTTLE_RATE,
    WAF_ADDRESS_LIMIT_PER_5_MIN,
    WAF_MAX_AUTHORIZATION_BYTES,
    WAF_OPERATOR_RATE_LIMIT_PER_5_MIN,
    WAF_RATE_LIMIT_PER_5_MIN,
)
from infra.definitions import ApiRoute, api_routes
from infra.nag import acknowledge, managed_policy

CORS_HEADERS = ["Authorization", "Content-Type"]
AUTHORIZATION = "authorization"  # WAF matches header names regardless of case
PUBLIC_RATE_RULE = "PublicPerAddress"
OPERATOR_RATE_RULE = "OperatorsPerToken"
SHAPE_RULE = "OperatorsTokenShape"
ADDRESS_RATE_RULE = "AllPerAddress"
# A JWS in compact form, as Cognito issues its tokens: three base64url segments (no padding), after an
# optional Bearer scheme: the panel sends one; whether a token is valid, with or without it, is left to
# the authorizer. WAF's regular expressions are PCRE without capturing groups: the scheme's case is spelled
# out.
JWS_COMPACT = r"^(?:[Bb][Ee][Aa][Rr][Ee][Rr] +)?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
UNAUTHORIZED_BODY = "unauthorized"
UNAUTHORIZED = '{"message":"Unauthorized"}'  # API Gateway's own body for the authorizer's 401

_PUBLIC_INTAKE = (
    "Public by design: citizens and the platforms (Meta, X, the SMS gateway) hold no Cognito account. "
    "intake-web authenticates the raw request itself ({guard}) and archives it before anything is created; "
    "the route is behind WAF (managed rules, a per-address rate limit), its own method throttling and the "
    "function's reserved-concurrency cap."
)
# Why each public route may go without the Cognito authorizer: what guards it instead.
PUBLIC_ROUTE_REASONS: dict[str, str] = {
    "/openapi.json": "Public by design: the operators' API description (the committed OpenAPI document); it "
    "holds no data and changes nothing.",
    "/intake/openapi.json": "Public by design: the public intake's API description, for the platforms and "
    "the SMS gateway; it holds no data and changes nothing.",
    "/reports": _PUBLIC_INTAKE.format(
        guard="body validation and 5 reports per 10 minutes per client address, answering 429"
    ),
    "/webhooks/instagram": _PUBLIC_INTAKE.format(
        guard="Meta's X-Hub-Signature-256 HMAC over the raw body for POST, the verify token for the "
        "subscription handshake"
    ),
    "/webhooks/twitter": _PUBLIC_INTAKE.format(
        guard="X's x-twitter-webhooks-signature HMAC over the raw body for POST, the consumer secret's CRC "
        "answer for GET"
    ),
    "/aml": _PUBLIC_INTAKE.format(guard="the shared AML token, as a Bearer header or ?token="),
    "/agency/openapi.json": "Public by design: the responders' API description, for agencies' systems; it "
    "holds no data and changes nothing.",
    "/respond/{token}": "Public by design: responders confirm from a link in an SMS or e-mail, without an "
    "account. agency-api checks the token's HMAC (a key in Secrets Manager) and expiry, bound to one "
    "incident and one post, before reading anything; behind WAF (managed rules, the per-address rate "
    "limit), the public method throttling and the function's reserved-concurrency cap.",
    "/agency/status": "Public by design: agencies' own systems hold no Cognito account. agency-api checks "
    "the HMAC-SHA256 signature with the post's shared secret over the timestamp and the raw body (5 minutes' "
    "tolerance against replay) before anything is read; behind WAF, the public method throttling and the "
    "function's reserved-concurrency cap.",
}


def public_reason(route: ApiRoute) -> str:
    try:
        return PUBLIC_ROUTE_REASONS[route.path]
    except KeyError:
        raise KeyError(
            f"{route.method} {route.path} has no security in its OpenAPI document: say in "
            "infra/api.py PUBLIC_ROUTE_REASONS what guards it instead, or secure it"
        ) from None


def method_path(route: ApiRoute) -> str:
    """The key of a method in StageOptions.method_options: the resource path, then the HTTP method."""
    return f"{route.path}/{route.method}"


def operator_path_pattern(stage: str) -> str:
    """A regular expression that matches exactly the paths of the operators' (secured) routes, as WAF sees
    them: behind the stage's name on the execute-api host (`/dev/incidents`), or without it behind a custom
    domain. A path parameter is one segment. Anything else, an unknown path, one with a trailing slash or
    a different case included, does not match, and so is counted as public (docs/decisions.md 31)."""

    def segments(path: str) -> tuple[str, ...]:
        return tuple(
            "[^/]+" if re.fullmatch(r"\{\w+\}", s) else re.escape(s) for s in path.strip("/").split("/")
        )

    paths = {segments(route.path) for route in api_routes() if route.secured}
    return f"^(?:/{re.escape(stage)})?{_trie(paths)}$"


def _trie(paths: set[tuple[str, ...]]) -> str:
    """The paths (as segments' regexes) as one expression factored on their common prefixes: the same set
    of paths as a plain alternation, short enough for WAF's 512 characters as the API grows."""
    heads: dict[str, set[tuple[str, ...]]] = {}
    for path in paths:
        if path:
            heads.setdefault(path[0], set()).add(path[1:])
    options = [f"/{head}{_trie(rest)}" for head, rest in sorted(heads.items())]
    if not options:
        return ""
    ends_here = () in paths
    if len(options) == 1 and not ends_here:
        return options[0]
    return f"(?:{'|'.join(options)})" + ("?" if ends_here else "")


def _operator_request(stage: str) -> wafv2.CfnWebACL.StatementProperty:
    """A request to one of the operators' routes that carries a token. The path is decoded and normalized
    first (`%2e%2e`, `//`, `/./`, `/x/..`), so a request that API Gateway routes to a public function can
    never look like an operator's to WAF; whether the token is valid is the Cognito authorizer's business."""
    path = wafv2.CfnWebACL.StatementProperty(
        regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            regex_string=operator_path_pattern(stage),
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="URL_DECODE"),
                wafv2.CfnWebACL.TextTransformationProperty(priority=1, type="NORMALIZE_PATH"),
            ],
        )
    )
    return wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(statements=[path, _authorization("GT", 0)])
    )


def _authorization(comparison: str, size: int) -> wafv2.CfnWebACL.StatementProperty:
    """The Authorization header's size in bytes compared with `size` (a missing header never matches)."""
    return wafv2.CfnWebACL.StatementProperty(
        size_constraint_statement=wafv2.CfnWebACL.SizeConstraintStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": AUTHORIZATION}),
            comparison_operator=comparison,
            size=size,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )


def _block(
    name: str, priority: int, statement: wafv2.CfnWebACL.StatementProperty
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=statement,
        visibility_config=_visibility(name),
    )


def own_rules(stage: str, allowed_origin: str) -> list[wafv2.CfnWebACL.RuleProperty]:
    """The web ACL's own rules, in the order WAF evaluates them (docs/decisions.md 31). A request one rule
    blocks never reaches the next, and so is not counted by it.

    1. PublicPerAddress, per client address, never counts an operator's request: the call centre's panels
       share one address.
    2. OperatorsPerToken counts those per token: a runaway panel is blocked alone, and its blocked requests
       never reach the ceiling below, so it cannot take its colleagues' address over.
    3. OperatorsTokenShape answers 401 for the authorizer when what an operators' request carries cannot
       be a token at all (junk, or bigger than any token of ours), before it reaches API Gateway.
    4. AllPerAddress, per client address over everything the rules above let through: a forged token on
       every request is a new key of OperatorsPerToken each time, so this ceiling is what stops one
       address from sending them faster than API Gateway's throttling has room for beside the operators.
    """
    operator_request = _operator_request(stage)
    public = _block(
        PUBLIC_RATE_RULE,
        0,
        wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=WAF_RATE_LIMIT_PER_5_MIN,
                aggregate_key_type="IP",
                scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                    not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=operator_request)
                ),
            )
        ),
    )
    operators = _block(
        OPERATOR_RATE_RULE,
        1,
        wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=WAF_OPERATOR_RATE_LIMIT_PER_5_MIN,
                aggregate_key_type="CUSTOM_KEYS",
                custom_keys=[
                    wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty(
                        header=wafv2.CfnWebACL.RateLimitHeaderProperty(
                            name=AUTHORIZATION,
                            text_transformations=[
                                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
                            ],
                        )
                    )
                ],
                scope_down_statement=operator_request,
            )
        ),
    )
    well_formed = wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                _authorization("LE", WAF_MAX_AUTHORIZATION_BYTES),
                wafv2.CfnWebACL.StatementProperty(
                    regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                            single_header={"Name": AUTHORIZATION}
                        ),
                        regex_string=JWS_COMPACT,
                        text_transformations=[
                            wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
                        ],
                    )
                ),
            ]
        )
    )
    shape = wafv2.CfnWebACL.RuleProperty(
        name=SHAPE_RULE,
        priority=2,
        # What the authorizer itself answers, CORS headers included (as the gateway responses carry them):
        # the panel asks its operator to sign in again instead of reporting a network failure.
        action=wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                    response_code=401,
                    custom_response_body_key=UNAUTHORIZED_BODY,
                    response_headers=[
                        wafv2.CfnWebACL.CustomHTTPHeaderProperty(
                            name="Access-Control-Allow-Origin", value=allowed_origin
                        ),
                        wafv2.CfnWebACL.CustomHTTPHeaderProperty(
                            name="Access-Control-Allow-Headers", value=",".join(CORS_HEADERS)
                        ),
                    ],
                )
            )
        ),
        statement=wafv2.CfnWebACL.StatementProperty(
            and_statement=wafv2.CfnWebACL.AndStatementProperty(
                statements=[
                    operator_request,
                    wafv2.CfnWebACL.StatementProperty(
                        not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=well_formed)
                    ),
                ]
            )
        ),
        visibility_config=_visibility(SHAPE_RULE),
    )
    ceiling = _block(
        ADDRESS_RATE_RULE,
        3,
        wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=WAF_ADDRESS_LIMIT_PER_5_MIN, aggregate_key_type="IP"
            )
        ),
    )
    return [public, operators, shape, ceiling]


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        prefix: str,
        user_pool: cognito.IUserPool,
        functions: Mapping[str, lambda_.IFunction],
        allowed_origins: Sequence[str],
    ) -> None:
        super().__init__(scope, id)
        removal = RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{prefix}-api",
            retention=ACCESS_LOG_RETENTION[config.stage],
            removal_policy=removal,
        )
        self.api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{prefix}-api",
            description="Respon 112: the operators' REST API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The role API Gateway writes execution logs with is an account-wide setting (one per account
            # and region, AWS::ApiGateway::Account): the last stack deployed owns it. Kept in every stage,
            # so destroying dev never takes the logs of prod (or of any other API in the account) with it.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=config.stage,
                # Every method's own default: the operators' routes.
                throttling_rate_limit=API_THROTTLE_RATE,
                throttling_burst_limit=API_THROTTLE_BURST,
                # The public routes get lower limits of their own, per method: a flood on them is refused
                # by API Gateway without touching what the operators' routes may use.
                method_options={
                    method_path(route): apigw.MethodDeploymentOptions(
                        throttling_rate_limit=PUBLIC_API_THROTTLE_RATE,
                        throttling_burst_limit=PUBLIC_API_THROTTLE_BURST,
                        # a method's own settings replace the stage's: repeat the logging ones
                        logging_level=apigw.MethodLoggingLevel.ERROR,
                        data_trace_enabled=False,
                        metrics_enabled=True,
                    )
                    for route in api_routes()
                    if not route.secured
                },
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request bodies hold callers' numbers: never in execution logs
                metrics_enabled=True,
                tracing_enabled=True,
            ),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(allowed_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=CORS_HEADERS,
                # the panel's polls reuse one preflight per URL instead of one every 5 s (Chrome's default)
                max_age=Duration.seconds(CORS_PREFLIGHT_MAX_AGE_SECONDS),
            ),
        )
        # API Gateway's own 4xx/5xx (e.g. the authorizer's 401) must carry CORS headers too, or the panel
        # sees a network error instead of "please log in again". A gateway response has one static value:
        # the panel's canonical origin (its custom domain when set, else CloudFront's).
        for response_type, name in ((apigw.ResponseType.DEFAULT_4_XX, "Default4xx"),
                                    (apigw.ResponseType.DEFAULT_5_XX, "Default5xx")):  # fmt: skip
            self.api.add_gateway_response(
                name,
                type=response_type,
                response_headers={
                    "Access-Control-Allow-Origin": f"'{allowed_origins[0]}'",
                    "Access-Control-Allow-Headers": "'" + ",".join(CORS_HEADERS) + "'",
                },
            )
        # API Gateway checks required parameters and bodies against declared models; the function validates
        # every body and parameter in full (Powertools + pydantic) and answers 422 with the reasons.
        self.validator = self.api.add_request_validator(
            "Validator",
            request_validator_name="parameters-and-body",
            validate_request_parameters=True,
            validate_request_body=True,
        )
        acknowledge(
            self.api.node.find_child("CloudWatchRole"),
            managed_policy("service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
            "The account-level role API Gateway uses to write execution logs; this AWS managed policy is the "
            "documented way to grant it and covers log groups API Gateway names itself.",
        )
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            "Operators",
            authorizer_name=f"{prefix}-operators",
            cognito_user_pools=[user_pool],
            identity_source="method.request.header.Authorization",
        )
        # One invoke permission per function for the whole API, not two per method.
        integrations = {
            name: apigw.LambdaIntegration(fn, proxy=True, scope_permission_to_method=False)
            for name, fn in functions.items()
        }
        for route in api_routes():
            resource = self.api.root.resource_for_path(route.path)
            method = resource.add_method(
                route.method,
                integrations[route.function],
                authorizer=self.authorizer if route.secured else None,
                authorization_type=apigw.AuthorizationType.COGNITO
                if route.secured
                else apigw.AuthorizationType.NONE,
                request_validator=self.validator,
                operation_name=f"{route.method.lower()}{route.path}",
            )
            if not route.secured:
                for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                    acknowledge(method, rule, f"{route.method} {route.path}: {public_reason(route)}")
        self._web_acl(prefix, config.stage, allowed_origins[0])

    def _web_acl(self, prefix: str, stage: str, allowed_origin: str) -> None:
        """The web ACL's own rules (own_rules), then AWS managed rules, in front of the API."""

        def managed(
            name: str, priority: int, count_only: tuple[str, ...] = ()
        ) -> wafv2.CfnWebACL.RuleProperty:
            overrides = [
                wafv2.CfnWebACL.RuleActionOverrideProperty(
                    name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                )
                for rule in count_only
            ]
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name, rule_action_overrides=overrides or None
                    )
                ),
                visibility_config=_visibility(name),
            )

        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"{prefix}-api",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=[
                *own_rules(stage, allowed_origin),
                # Meta's and X's webhook batches can exceed the set's 8 KB body limit: count, do not block;
                # API Gateway's own 10 MB limit and the functions' validation still apply.
                managed("AWSManagedRulesCommonRuleSet", 4, count_only=("SizeRestrictions_BODY",)),
                managed("AWSManagedRulesKnownBadInputsRuleSet", 5),
            ],
            custom_response_bodies={
                UNAUTHORIZED_BODY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content=UNAUTHORIZED, content_type="APPLICATION_JSON"
                )
            },
            visibility_config=_visibility(f"{prefix}-api"),
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.api.deployment_stage.stage_arn,
            web_acl_arn=acl.attr_arn,
        )


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )

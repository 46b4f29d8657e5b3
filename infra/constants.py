"""Constants of the CDK stack, in one place: runtime, layer, retention, limits and alarm thresholds."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

STAGES = ("dev", "prod")

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
# The public Powertools layer (it carries pydantic). Its version comes from context `powertoolsLayerVersion`.
POWERTOOLS_LAYER_ARN = (
    "arn:{partition}:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:{version}"
)
DEFAULT_POWERTOOLS_LAYER_VERSION = 38

LOG_RETENTION = {"dev": logs.RetentionDays.TWO_WEEKS, "prod": logs.RetentionDays.ONE_YEAR}
ACCESS_LOG_RETENTION = {"dev": logs.RetentionDays.TWO_WEEKS, "prod": logs.RetentionDays.ONE_YEAR}

# API Gateway's default per-method throttling, which the operators' routes use: it must take the call
# centre at a surge (20 panels at ~3.1 requests a second each, ~61) plus the most one other address may send
# below the WAF ceiling (WAF_ADDRESS_LIMIT_PER_5_MIN / 300 s = 100 a second), or a single address could
# throttle the operators without ever being blocked (docs/decisions.md 31). A runaway client is WAF's to
# stop (OperatorsPerToken); this is the last bound on what reaches the functions.
API_THROTTLE_RATE = 200
API_THROTTLE_BURST = 400
# WAF rate-based rules, per 5-minute window (docs/decisions.md 31). The public one counts per client
# address everything except the operators' routes carrying a token: the call centre's panels share one
# public address, so they must never be counted by it.
WAF_RATE_LIMIT_PER_5_MIN = 3000
# The operators' routes, counted per Authorization header (one panel's session): a panel makes at most
# ~920 requests in 5 minutes, so only a runaway script or a stolen token reaches this.
WAF_OPERATOR_RATE_LIMIT_PER_5_MIN = 3000
# The ceiling per client address over whatever the other rules let through, forged tokens included: the
# whole call centre behind its one address makes at most ~9,300 requests in 5 minutes with 10 panels and
# ~18,600 with 20 (a disaster's surge); this fits 32 panels. A bigger centre behind one address raises it,
# and API_THROTTLE_RATE with it.
WAF_ADDRESS_LIMIT_PER_5_MIN = 30000
# What a token may weigh before WAF answers 401 for the authorizer: a Cognito IdToken of this pool is
# ~1.2 KB, ~4.2 KB with the longest name Cognito stores (2,048 characters) and a 254-character e-mail.
WAF_MAX_AUTHORIZATION_BYTES = 8192
# How long a browser may reuse a CORS preflight (Access-Control-Max-Age): without it Chrome re-asks every
# 5 s, nearly one OPTIONS request per poll. WebKit caps the value at 600 s.
CORS_PREFLIGHT_MAX_AGE_SECONDS = 600

# Cognito sessions: tokens last an hour, a refresh lasts one shift.
TOKEN_VALIDITY = Duration.hours(1)
REFRESH_TOKEN_VALIDITY = Duration.hours(12)

# Alarms: (threshold, evaluation periods) per stage. Production pages on the first failure.
FUNCTION_ERRORS = {"dev": 5, "prod": 1}
QUEUE_OLDEST_AGE_SECONDS = {"dev": 900, "prod": 300}
INTAKE_P99_MS = {"dev": 3000, "prod": 1000}  # Connect waits at most the flow's limit (3 s here)
ALARM_PERIOD = Duration.minutes(1)
# Amazon Connect (namespace AWS/Connect, sent every minute): the flow's error branches, the operators' queue.
CONNECT_FLOW_ERRORS = {"dev": 5, "prod": 1}
CONNECT_QUEUE_WAIT_SECONDS = {"dev": 300, "prod": 60}  # the longest a caller waited for an operator
CONNECT_QUEUE_SIZE = {"dev": 10, "prod": 3}  # callers waiting at once (9 operators at most on shift)
# NENA-STA-020 call answering: (percentile, seconds) that many percent of calls are answered within, ring
# to answer (the AnswerTimeSeconds metric, docs/callbacks.md); watched over a quarter hour in every stage.
ANSWER_TIME_TARGETS = ((90, 15), (95, 20))
ANSWER_TIME_PERIOD = Duration.minutes(15)

# API Gateway method throttling of the public routes (web form, webhooks, AML, the OpenAPI documents),
# per method and separate from the operators' routes (API_THROTTLE_*): Meta's and X's webhook bursts and
# a town's worth of web reports fit; a flood is refused before it reaches a function.
PUBLIC_API_THROTTLE_RATE = 10
PUBLIC_API_THROTTLE_BURST = 20

# The raw archive of inbound requests: kept for review and evidence, then to cheaper storage, then gone.
RAW_ARCHIVE_INFREQUENT_ACCESS_DAYS = 30
RAW_ARCHIVE_EXPIRATION_DAYS = {"dev": 30, "prod": 730}
# What was refused (a forged signature, a wrong token, a throttled report) is kept cut short, under its own
# prefix, only long enough to look into an attack or a misconfigured sender.
RAW_REFUSED_EXPIRATION_DAYS = 7

# Amazon Connect (the flow's own limits, voice and words are in infra/contact_flow.py, which the local
# flow runner reads too)
CONNECT_TIME_ZONE = "Asia/Jakarta"
FLOW_NAME = "Respon 112"  # also the ContactFlowName dimension of Connect's metrics
QUEUE_NAME = "Operator 112"  # also the QueueName dimension

"""The embedded AWS: moto's server on loopback, and the resources of infra/definitions.py in it."""

from __future__ import annotations

import json
import secrets
import string
import threading
from dataclasses import dataclass, field
from secrets import token_urlsafe as secrets_token
from typing import TYPE_CHECKING, Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from core.agency_directory import DirectoryService
from core.agency_store import DynamoAgencyStore
from core.directory_seed import seed_for
from core.regency import REGENCIES
from core.sealing import KmsSealer
from infra.definitions import (
    AGENCY_TOPIC,
    BUCKETS,
    CONNECT_INSTANCE_ENV,
    DIRECTORY,
    EMAIL_FROM_ENV,
    FUNCTIONS,
    OPERATOR_GROUPS,
    OPERATOR_POOL,
    QUEUES,
    SEALING_KEY_ENV,
    SECRETS,
    TABLES,
    USER_POOL_ENV,
    TableDesign,
    failed_queue_name,
    resource_prefix,
)
from local.browser_cors import BrowserCors
from local.config import CONNECT_INSTANCE_ARN, CREDENTIALS, OPERATORS, REGENCY, REGION, SUPERVISOR
from local.serialised import OneDynamoDbRequestAtATime, compensate_moto

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient

ADMIN = "admin"  # the agency directory's editor (group admin): the panel's directory screen only
LOCAL_EMAIL_FROM = "112@banyuwangi.localhost"
GROUP_OF = {SUPERVISOR: "supervisor", ADMIN: "admin"}  # everyone else is an operator


def client(service: str, endpoint: str, region: str = REGION) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


class EmbeddedAws:
    """moto's server (as its ThreadedMotoServer builds it), quiet, on loopback, a thread per request,
    with what moto cannot do concurrently serialised (local/serialised.py) and the browser's CORS
    answered before moto (local/browser_cors.py)."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.endpoint = f"http://{host}:{port}"
        self._host = host
        self._port = port
        self._thread: threading.Thread | None = None
        self._server: BaseWSGIServer | None = None

    def start(self) -> None:
        compensate_moto()
        app = BrowserCors(OneDynamoDbRequestAtATime(DomainDispatcherApplication(create_backend_app)))
        self._server = make_server(
            self._host, self._port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-aws", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
        if self._server is not None:
            self._server.server_close()


@dataclass
class Provisioned:
    """What was created: the env values functions need, and what scripts need to log in."""

    names: dict[str, str] = field(default_factory=dict)  # env var -> table name / queue URL / topic ARN
    queue_arns: dict[str, str] = field(default_factory=dict)  # queue id -> ARN
    queue_urls: dict[str, str] = field(default_factory=dict)  # queue id (and "<id>-dlq") -> URL
    inboxes: dict[str, str] = field(default_factory=dict)  # agency type -> local inbox queue URL
    seeded: list[str] = field(default_factory=list)  # the agency directory's entries the seed created
    secrets: dict[str, str] = field(default_factory=dict)  # channel secret key -> value
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    users: dict[str, str] = field(default_factory=dict)  # username -> password


def table_request(design: TableDesign, name: str) -> dict[str, Any]:
    """The CreateTable request for a table design (the CDK stack declares the same keys and indexes)."""
    keys = [design.partition_key] + ([design.sort_key] if design.sort_key else [])
    attributes = {k.name: k.type for k in keys}
    for index in design.indexes:
        attributes[index.partition_key.name] = index.partition_key.type
        if index.sort_key:
            attributes[index.sort_key.name] = index.sort_key.type
    request: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()],
        "KeySchema": [
            {"AttributeName": k.name, "KeyType": "HASH" if i == 0 else "RANGE"} for i, k in enumerate(keys)
        ],
    }
    if design.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if design.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [{"AttributeName": index.partition_key.name, "KeyType": "HASH"}]
                + ([{"AttributeName": index.sort_key.name, "KeyType": "RANGE"}] if index.sort_key else []),
                "Projection": {"ProjectionType": index.projection},
            }
            for index in design.indexes
        ]
    return request


def create_table(ddb: DynamoDBClient, design: TableDesign, name: str) -> None:
    ddb.create_table(**table_request(design, name))
    if design.ttl_attribute:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": design.ttl_attribute}
        )


def _password() -> str:
    # Meets the pool's policy (OPERATOR_POOL): upper, lower, digit, symbol, length 16.
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{core}Aa1!"


def _create_user_pool(
    idp: CognitoIdentityProviderClient, prefix: str, passwords: dict[str, str]
) -> Provisioned:
    # The pool and client the CDK stack creates (infra/definitions.py OPERATOR_POOL), without MFA: local
    # operators sign in with their password alone.
    policy = OPERATOR_POOL.password_policy
    pool = idp.create_user_pool(
        PoolName=OPERATOR_POOL.physical_name(prefix),
        Policies={
            "PasswordPolicy": {
                "MinimumLength": policy.min_length,
                "RequireUppercase": policy.require_uppercase,
                "RequireLowercase": policy.require_lowercase,
                "RequireNumbers": policy.require_digits,
                "RequireSymbols": policy.require_symbols,
                "TemporaryPasswordValidityDays": policy.temporary_password_validity_days,
            }
        },
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": OPERATOR_POOL.admin_create_user_only},
    )["UserPool"]
    pool_id = pool["Id"]
    app_client = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=OPERATOR_POOL.client_name(prefix),
        GenerateSecret=False,
        ExplicitAuthFlows=list(OPERATOR_POOL.auth_flows),
    )["UserPoolClient"]
    for group in OPERATOR_GROUPS:
        idp.create_group(
            GroupName=group.name,
            UserPoolId=pool_id,
            Description=group.description,
            Precedence=group.precedence,
        )
    users: dict[str, str] = {}
    for username in (*OPERATORS, SUPERVISOR, ADMIN):
        password = passwords.get(username) or _password()
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "name", "Value": username.capitalize()}],
        )
        idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
        idp.admin_add_user_to_group(
            UserPoolId=pool_id,
            Username=username,
            GroupName=GROUP_OF.get(username, "operator"),
        )
        users[username] = password
    return Provisioned(user_pool_id=pool_id, user_pool_client_id=app_client["ClientId"], users=users)


def provision(
    endpoint: str,
    stage: str,
    passwords: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> Provisioned:
    """Create every table, queue, topic, bucket, secret and the user pool of the definitions in the
    embedded AWS. `passwords` and `secrets` from an earlier run are kept; missing ones are generated."""
    prefix = resource_prefix(stage)
    ddb = client("dynamodb", endpoint)
    sqs = client("sqs", endpoint)
    sns = client("sns", endpoint)

    result = _create_user_pool(client("cognito-idp", endpoint), prefix, passwords or {})
    result.names[USER_POOL_ENV] = result.user_pool_id
    result.names[CONNECT_INSTANCE_ENV] = CONNECT_INSTANCE_ARN  # no Connect here: local/standins.py
    for table in TABLES:
        name = table.physical_name(prefix)
        create_table(ddb, table, name)
        result.names[table.env_var] = name

    s3 = client("s3", endpoint)
    for bucket in BUCKETS:
        name = f"{prefix}-{bucket.id}"
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        result.names[bucket.env_var] = name

    manager = client("secretsmanager", endpoint)
    for secret in SECRETS:
        values = {key: (secrets or {}).get(key) or secrets_token(24) for key in secret.keys}
        name = secret.physical_name(prefix)
        manager.create_secret(Name=name, SecretString=json.dumps(values))
        result.names[secret.env_var] = name
        result.secrets.update(values)

    for queue in QUEUES:
        dlq_url = sqs.create_queue(
            QueueName=queue.dlq_name(prefix),
            Attributes={"MessageRetentionPeriod": str(queue.dlq_retention_days * 86400)},
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        url = sqs.create_queue(
            QueueName=queue.physical_name(prefix),
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout_seconds),
                "MessageRetentionPeriod": str(queue.retention_days * 86400),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}
                ),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        result.names[queue.env_var] = url
        result.queue_urls[queue.id] = url
        result.queue_urls[f"{queue.id}-dlq"] = dlq_url
        result.queue_arns[queue.id] = arn

    # The sender of the e-mails to posts, verified as SES wants it (the cloud's is context agencyEmailFrom).
    client("ses", endpoint).verify_email_identity(EmailAddress=LOCAL_EMAIL_FROM)
    result.names[EMAIL_FROM_ENV] = LOCAL_EMAIL_FROM
    # The data key, which seals the agency endpoints' shared secrets (the stack's own key in the cloud).
    kms = client("kms", endpoint)
    result.names[SEALING_KEY_ENV] = kms.create_key(Description=f"{prefix} data key")["KeyMetadata"]["Arn"]
    # The agency directory starts as a new deployment's does (tools/seed_directory.py on AWS).
    seed = seed_for(REGENCY)
    store = DynamoAgencyStore(result.names[DIRECTORY.env_var], ddb)
    sealer = KmsSealer(result.names[SEALING_KEY_ENV], kms)
    result.seeded = DirectoryService(store, REGENCIES[REGENCY], sealer).seed(seed)
    # What a stream mapping gives up on after its retries (local/sources.py StreamPoller).
    for design in FUNCTIONS:
        if design.stream:
            name = failed_queue_name(design.name, prefix)
            result.queue_urls[name.removeprefix(f"{prefix}-")] = sqs.create_queue(
                QueueName=name, Attributes={"MessageRetentionPeriod": str(14 * 86400)}
            )["QueueUrl"]

    topic_arn = sns.create_topic(Name=AGENCY_TOPIC.physical_name(prefix))["TopicArn"]
    result.names[AGENCY_TOPIC.env_var] = topic_arn
    # Local stand-ins for the agencies' subscriptions: one inbox queue per seeded agency type, filtered on
    # `agency`, so a developer can read what each type received (python -m local inbox DAMKAR).
    for agency in (code for code, _ in seed.types):
        inbox = sqs.create_queue(QueueName=f"{prefix}-inbox-{agency.lower().replace('_', '-')}")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=inbox_arn,
            Attributes={
                "FilterPolicy": json.dumps({AGENCY_TOPIC.filter_attribute: [agency]}),
                "RawMessageDelivery": "true",
            },
        )
        result.inboxes[agency] = inbox
    return result

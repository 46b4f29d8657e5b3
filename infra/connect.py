"""Amazon Connect: the instance (created or imported), the 24/7 operators' queue and routing profile,
the 112 contact flow (infra/flows/emergency-112.json) and the intake function's association."""

from __future__ import annotations

from aws_cdk import Aws, Fn, RemovalPolicy, Stack
from aws_cdk import aws_connect as connect
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.config import StageConfig
from infra.constants import CONNECT_TIME_ZONE, FLOW_NAME, QUEUE_NAME
from infra.contact_flow import CONNECT_VOICE, CONNECT_VOICE_ENGINE, FLOW_PATH, flow_variables
from infra.nag import acknowledge, managed_policy
from infra.observability import ConnectMetrics

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def flow_content(
    intake_arn: str,
    queue_arn: str,
    regency_name: str,
    *,
    backup_number: str | None = None,
    voice: str = CONNECT_VOICE,
    voice_engine: str = CONNECT_VOICE_ENGINE,
) -> str:
    """The flow's JSON with its placeholders filled in by CloudFormation (Fn::Sub, the ARNs are tokens)."""
    variables = flow_variables(
        intake_arn,
        queue_arn,
        regency_name,
        backup_number=backup_number,
        voice=voice,
        voice_engine=voice_engine,
    )
    return Fn.sub(FLOW_PATH.read_text(encoding="utf-8"), variables)


class Connect(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        prefix: str,
        regency_name: str,
        intake: lambda_.IFunction,
        panel_origins: list[str],
    ) -> None:
        super().__init__(scope, id)
        # The softphone the panel embeds: given for an imported instance, derived for a created one.
        self.ccp_url: str | None = config.connect_ccp_url
        if config.connect_instance_arn:
            self.instance_arn = config.connect_instance_arn
            self.instance_id = config.connect_instance_arn.split("instance/", 1)[1]
        else:
            instance = connect.CfnInstance(
                self,
                "Instance",
                instance_alias=config.connect_instance_alias or f"{prefix}-{Aws.ACCOUNT_ID}",
                identity_management_type="CONNECT_MANAGED",
                attributes=connect.CfnInstance.AttributesProperty(
                    inbound_calls=True, outbound_calls=True, contactflow_logs=True
                ),
            )
            # Production keeps the instance (its claimed numbers, agents, contact records and recordings)
            # when the stack goes; a development instance goes with its stack.
            instance.apply_removal_policy(RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY)
            self.instance_arn = instance.attr_arn
            self.instance_id = instance.attr_id
            self.ccp_url = f"https://{instance.instance_alias}.my.connect.aws/ccp-v2/"
        # Amazon Connect only lets approved origins embed its softphone (amazon-connect-streams).
        for index, origin in enumerate(o for o in panel_origins if o.startswith("https://")):
            connect.CfnApprovedOrigin(
                self, f"PanelOrigin{index}", instance_id=self.instance_arn, origin=origin
            )

        # Connect's own "Basic Hours" are 00:00-00:00 every day: open around the clock. The flow never
        # checks hours anyway, so no schedule can close the 112 line.
        hours = connect.CfnHoursOfOperation(
            self,
            "AroundTheClock",
            instance_arn=self.instance_arn,
            name="24/7",
            description="112 never closes",
            time_zone=CONNECT_TIME_ZONE,
            config=[
                connect.CfnHoursOfOperation.HoursOfOperationConfigProperty(
                    day=day,
                    start_time=connect.CfnHoursOfOperation.HoursOfOperationTimeSliceProperty(
                        hours=0, minutes=0
                    ),
                    end_time=connect.CfnHoursOfOperation.HoursOfOperationTimeSliceProperty(
                        hours=0, minutes=0
                    ),
                )
                for day in DAYS
            ],
        )
        self.queue = connect.CfnQueue(
            self,
            "Operators",
            instance_arn=self.instance_arn,
            name=QUEUE_NAME,
            description="Every 112 call waits here for the next operator",
            hours_of_operation_arn=hours.attr_hours_of_operation_arn,
        )
        connect.CfnRoutingProfile(
            self,
            "OperatorProfile",
            instance_arn=self.instance_arn,
            name="Operator 112",
            description="112 operators: one voice call at a time, from the 112 queue",
            default_outbound_queue_arn=self.queue.attr_queue_arn,
            media_concurrencies=[
                connect.CfnRoutingProfile.MediaConcurrencyProperty(channel="VOICE", concurrency=1)
            ],
            queue_configs=[
                connect.CfnRoutingProfile.RoutingProfileQueueConfigProperty(
                    delay=0,
                    priority=1,
                    queue_reference=connect.CfnRoutingProfile.RoutingProfileQueueReferenceProperty(
                        channel="VOICE", queue_arn=self.queue.attr_queue_arn
                    ),
                )
            ],
        )
        self.flow = connect.CfnContactFlow(
            self,
            "EmergencyFlow",
            instance_arn=self.instance_arn,
            name=FLOW_NAME,
            type="CONTACT_FLOW",
            description="Greets, registers the incident, and transfers to the 112 operators",
            state="ACTIVE",
            content=flow_content(
                intake.function_arn,
                self.queue.attr_queue_arn,
                regency_name,
                backup_number=config.connect_backup_number,
                voice=config.connect_voice,
                voice_engine=config.connect_voice_engine,
            ),
        )
        # The association lists the function in the instance; the permission lets Connect invoke it, from
        # this instance only.
        connect.CfnIntegrationAssociation(
            self,
            "IntakeAssociation",
            instance_id=self.instance_arn,
            integration_arn=intake.function_arn,
            integration_type="LAMBDA_FUNCTION",
        )
        intake.add_permission(
            "ConnectInvoke",
            principal=iam.ServicePrincipal("connect.amazonaws.com"),
            action="lambda:InvokeFunction",
            source_arn=self.instance_arn,
            source_account=Aws.ACCOUNT_ID,
        )
        if config.connect_phone_number_arn:
            self._route_phone_number(config.connect_phone_number_arn)

    @property
    def metrics(self) -> ConnectMetrics:
        """Where CloudWatch finds this instance's flow and queue (infra/observability.py)."""
        return ConnectMetrics(instance_id=self.instance_id, flow_name=FLOW_NAME, queue_name=QUEUE_NAME)

    def _route_phone_number(self, phone_number_arn: str) -> None:
        """Point a number already claimed in the instance at the 112 flow (no CloudFormation resource can)."""
        phone_number_id = Fn.select(1, Fn.split("phone-number/", phone_number_arn))
        call = cr.AwsSdkCall(
            service="Connect",
            action="associatePhoneNumberContactFlow",
            parameters={
                "PhoneNumberId": phone_number_id,
                "InstanceId": self.instance_arn,
                "ContactFlowId": self.flow.attr_contact_flow_arn,
            },
            physical_resource_id=cr.PhysicalResourceId.of(f"{phone_number_arn}-112-flow"),
        )
        route = cr.AwsCustomResource(
            self,
            "PhoneNumberRoute",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["connect:AssociatePhoneNumberContactFlow"],
                        resources=[phone_number_arn, self.instance_arn, self.flow.attr_contact_flow_arn],
                    )
                ]
            ),
            install_latest_aws_sdk=False,
            memory_size=256,
        )
        # CDK's shared provider function for AwsCustomResource, created once per stack.
        provider = Stack.of(self).node.find_child(
            "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
        )
        reasons = {
            managed_policy("service-role/AWSLambdaBasicExecutionRole"): (
                "CDK's provider for AwsCustomResource writes its logs with the basic execution role; its "
                "other permission is the one Connect action above, scoped to this number, instance and flow."
            ),
            "Serverless-LambdaDLQ": "Called synchronously by CloudFormation, which reports its failures.",
            "Serverless-LambdaTracing": "A deployment-time call, not a request path worth tracing.",
        }
        for rule, reason in reasons.items():
            acknowledge(provider, rule, reason)
        self.phone_number_route = route

"""DynamoDB tables, built from the designs in core.tables (the same ones the local stack creates)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import StageConfig
from infra.definitions import TABLES, Key, TableDesign

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_TYPES[key.type])


class Data(Construct):
    def __init__(self, scope: Construct, id: str, config: StageConfig, prefix: str, key: kms.IKey) -> None:
        super().__init__(scope, id)
        self.tables: dict[str, dynamodb.Table] = {}
        for design in TABLES:
            self.tables[design.id] = self._table(design, config, prefix, key)

    def _table(self, design: TableDesign, config: StageConfig, prefix: str, key: kms.IKey) -> dynamodb.Table:
        # dynamodb.Table, not TableV2: TableV2 cannot render a customer-managed key in a stack that is
        # not bound to one region, and this stack deploys to whichever region has Amazon Connect.
        table = dynamodb.Table(
            self,
            design.id.title(),
            table_name=design.physical_name(prefix),
            partition_key=_attribute(design.partition_key),
            sort_key=_attribute(design.sort_key) if design.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=design.ttl_attribute,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=config.is_prod,
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if design.stream else None,
        )
        for index in design.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.partition_key),
                sort_key=_attribute(index.sort_key) if index.sort_key else None,
                projection_type=dynamodb.ProjectionType[index.projection],
            )
        return table

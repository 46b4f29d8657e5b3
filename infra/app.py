"""The CDK app: `cdk synth` / `cdk deploy [-c stage=prod]` run this (see cdk.json).

Validation plugins run on every synth: cdk-nag's AwsSolutions and Serverless packs. A finding that is
not acknowledged (infra/nag.py, with its reason) fails the synth.
"""

from __future__ import annotations

import os

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from infra.config import StageConfig
from infra.stack import Respon112Stack


def build(app: App) -> Respon112Stack:
    config = StageConfig.from_context(app.node)
    env = Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=app.node.try_get_context("region") or os.environ.get("CDK_DEFAULT_REGION"),
    )
    stack = Respon112Stack(app, f"Respon112-{config.stage}", config=config, env=env)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    return stack


def main() -> None:
    app = App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()

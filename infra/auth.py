"""The operators' Cognito user pool: groups, MFA, a strong password policy, the panel's app client."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config import StageConfig
from infra.constants import REFRESH_TOKEN_VALIDITY, TOKEN_VALIDITY
from infra.definitions import OPERATOR_GROUPS


class Auth(Construct):
    def __init__(self, scope: Construct, id: str, config: StageConfig, prefix: str) -> None:
        super().__init__(scope, id)
        self.user_pool = cognito.UserPool(
            self,
            "Operators",
            user_pool_name=f"{prefix}-operators",
            self_sign_up_enabled=False,  # accounts are created by an admin, never by the public
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=True, mutable=True),
            ),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            # TOTP only: SMS codes cost money per message and fall to SIM swaps.
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=config.is_prod,
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        for group in OPERATOR_GROUPS:
            cognito.CfnUserPoolGroup(
                self,
                f"Group{group.name.title()}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=group.name,
                description=group.description,
                precedence=group.precedence,
            )
        self.panel_client = self.user_pool.add_client(
            "Panel",
            user_pool_client_name=f"{prefix}-panel",
            generate_secret=False,  # a browser app cannot keep a secret
            disable_o_auth=True,  # the panel signs in with SRP; no hosted UI, no redirect flows to abuse
            # USER_PASSWORD_AUTH: the panel calls Cognito's API directly (no SDK to vendor); the password
            # travels over TLS to Cognito only, and threat protection watches both flows.
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            prevent_user_existence_errors=True,
            id_token_validity=TOKEN_VALIDITY,
            access_token_validity=TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
            enable_token_revocation=True,
        )

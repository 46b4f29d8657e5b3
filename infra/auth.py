"""The operators' Cognito user pool: groups, MFA, a strong password policy, the panel's app client."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config import StageConfig
from infra.constants import REFRESH_TOKEN_VALIDITY, TOKEN_VALIDITY
from infra.definitions import OPERATOR_GROUPS, OPERATOR_POOL

# Cognito's names of the auth flows (ExplicitAuthFlows, as the local stack passes them) -> CDK's AuthFlow.
# ALLOW_REFRESH_TOKEN_AUTH is not among them: CDK always allows it.
_AUTH_FLOWS = {
    "ALLOW_USER_PASSWORD_AUTH": "user_password",
    "ALLOW_USER_SRP_AUTH": "user_srp",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH": "admin_user_password",
    "ALLOW_CUSTOM_AUTH": "custom",
}


def auth_flow() -> cognito.AuthFlow:
    flows = set(OPERATOR_POOL.auth_flows) - {"ALLOW_REFRESH_TOKEN_AUTH"}
    return cognito.AuthFlow(**{_AUTH_FLOWS[flow]: True for flow in sorted(flows)})


class Auth(Construct):
    def __init__(self, scope: Construct, id: str, config: StageConfig, prefix: str) -> None:
        super().__init__(scope, id)
        password = OPERATOR_POOL.password_policy
        self.user_pool = cognito.UserPool(
            self,
            "Operators",
            user_pool_name=OPERATOR_POOL.physical_name(prefix),
            # accounts are created by an administrator with IAM credentials, never by the public
            self_sign_up_enabled=not OPERATOR_POOL.admin_create_user_only,
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
                min_length=password.min_length,
                require_lowercase=password.require_lowercase,
                require_uppercase=password.require_uppercase,
                require_digits=password.require_digits,
                require_symbols=password.require_symbols,
                temp_password_validity=Duration.days(password.temporary_password_validity_days),
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
            user_pool_client_name=OPERATOR_POOL.client_name(prefix),
            generate_secret=False,  # a browser app cannot keep a secret
            disable_o_auth=True,  # Cognito's JSON API only: no hosted UI, no redirect flows to abuse
            # USER_PASSWORD_AUTH and refresh, nothing else: the panel calls Cognito's API directly with fetch
            # (panel/js/auth.js, no SDK to vendor, docs/decisions.md 13); the password travels over TLS to
            # Cognito only, TOTP is still required, and threat protection watches the sign-ins.
            auth_flows=auth_flow(),
            prevent_user_existence_errors=True,
            id_token_validity=TOKEN_VALIDITY,
            access_token_validity=TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
            enable_token_revocation=True,
        )

"""Respon 112 domain: incidents, their lifecycle, and the ports the functions talk to.

Only the adapters reach AWS or another platform, so the domain can be exercised with in-memory fakes:
`repository` (DynamoDB), `stats_store` (DynamoDB), `messaging` (SQS, SNS), `storage` (S3), `directory`
(Cognito), `agents` (Amazon Connect), `agency_store` (DynamoDB), `sealing` (KMS) and `agency_channels`
(SNS SMS, SES, the agencies' HTTPS endpoints) through boto3, the only modules that import it;
`secrets` (Secrets Manager) and `idempotency` (DynamoDB) through Powertools; `graph_api` (Meta's Graph API)
and `x_api` (X's direct messages) over HTTPS.
tests/unit/test_structure.py holds them to it.
"""

"""Verify: the operators' REST API (API Gateway + Cognito) over the incident workflow."""

"""The local stack: Respon 112 on this machine with no AWS account.

moto's server is the embedded AWS (DynamoDB, SQS, SNS, Cognito); a small gateway serves the REST API
and the Lambda Invoke API and runs the real handlers in worker processes, each with the environment
its deployed twin gets. Everything is built from infra/definitions.py, like the CDK stack.
"""

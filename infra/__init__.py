"""The Respon 112 CDK app and the resource definitions the local stack shares with it."""

"""API Gateway TOKEN authorizer: verifies a Bearer JWT and answers with an IAM policy."""

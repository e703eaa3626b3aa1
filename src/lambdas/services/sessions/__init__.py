"""Nightly sweep of expired sessions that DynamoDB's TTL has not deleted yet."""

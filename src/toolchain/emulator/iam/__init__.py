"""IAM: how policies are evaluated (resource policies' conditions)."""

"""Kinesis order stream: validates orders and alerts once per large order through SNS."""

"""Step Functions: executions run for real, and traced."""

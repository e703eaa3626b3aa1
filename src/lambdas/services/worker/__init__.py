"""SQS worker: fulfils queued orders exactly once each and starts their workflow."""

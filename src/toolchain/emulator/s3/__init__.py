"""S3: what its notifications do to Lambda."""

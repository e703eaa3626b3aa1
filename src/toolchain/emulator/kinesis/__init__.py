"""Kinesis Data Streams: what AWS checks and moto did not."""

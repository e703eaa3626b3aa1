"""SQS: its attributes as AWS writes them, and the trace header a message carries."""

"""SNS subscriber: turns order events into customer notifications."""

"""DynamoDB: requests atomic to readers, and comparisons that DynamoDB answers false."""

environment           = "dev"
log_retention_days    = 14
force_destroy_buckets = true
log_level             = "DEBUG"

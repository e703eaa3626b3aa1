environment              = "dev"
log_retention_days       = 14
force_destroy_buckets    = true
log_level                = "DEBUG"
api_cors_allowed_origins = ["http://localhost:3000"]
secret_recovery_days     = 0

environment              = "dev"
log_retention_days       = 14
force_destroy_buckets    = true
log_level                = "DEBUG"
api_cors_allowed_origins = ["http://localhost:3000"]
secret_recovery_days     = 0

expected_traffic = {
  users      = { invocations_per_month = 20000, average_duration_ms = 50 }
  authorizer = { invocations_per_month = 5000, average_duration_ms = 15 }
  scraper    = { invocations_per_month = 720, average_duration_ms = 20000 }
}

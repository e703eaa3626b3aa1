environment              = "staging"
log_retention_days       = 30
errors_alarm_threshold   = 1
api_cors_allowed_origins = ["https://staging.app.example.com"]

expected_traffic = {
  users          = { invocations_per_month = 50000, average_duration_ms = 45 }
  authorizer     = { invocations_per_month = 10000, average_duration_ms = 15 }
  checkout       = { invocations_per_month = 5000, average_duration_ms = 40 }
  thumbnails     = { invocations_per_month = 3000, average_duration_ms = 350 }
  "order-stream" = { invocations_per_month = 20000, average_duration_ms = 30 }
  scraper        = { invocations_per_month = 720, average_duration_ms = 20000 }
}

environment              = "staging"
log_retention_days       = 30
errors_alarm_threshold   = 1
api_cors_allowed_origins = ["https://staging.app.example.com"]

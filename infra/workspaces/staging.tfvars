environment            = "staging"
log_retention_days     = 30
errors_alarm_threshold = 1

environment            = "prod"
log_retention_days     = 90
errors_alarm_threshold = 5
function_memory        = { thumbnails = 1536 }

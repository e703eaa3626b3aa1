environment                = "prod"
log_retention_days         = 90
errors_alarm_threshold     = 5
function_memory            = { thumbnails = 1536 }
api_cors_allowed_origins   = ["https://app.example.com"]
manage_api_gateway_account = true

# The API's functions answer people: keep environments initialised for them (billed by the hour).
provisioned_concurrency = { users = 2, authorizer = 2 }

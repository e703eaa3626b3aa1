environment                = "prod"
log_retention_days         = 90
errors_alarm_threshold     = 5
function_memory            = { thumbnails = 1536 }
api_cors_allowed_origins   = ["https://app.example.com"]
manage_api_gateway_account = true

# The API's functions answer people: keep environments initialised for them (billed by the hour).
provisioned_concurrency = { users = 2, authorizer = 2 }

# What `invoke cost --env prod` assumes until CloudWatch has a month of metrics.
expected_traffic = {
  users             = { invocations_per_month = 3000000, average_duration_ms = 45 }
  authorizer        = { invocations_per_month = 400000, average_duration_ms = 15 }
  checkout          = { invocations_per_month = 250000, average_duration_ms = 40 }
  worker            = { invocations_per_month = 60000, average_duration_ms = 180 }
  workflow-validate = { invocations_per_month = 250000, average_duration_ms = 20 }
  workflow-process  = { invocations_per_month = 250000, average_duration_ms = 60 }
  workflow-notify   = { invocations_per_month = 250000, average_duration_ms = 50 }
  workflow-failed   = { invocations_per_month = 2500, average_duration_ms = 40 }
  notifications     = { invocations_per_month = 250000, average_duration_ms = 10 }
  thumbnails        = { invocations_per_month = 150000, average_duration_ms = 350 }
  "order-stream"    = { invocations_per_month = 900000, average_duration_ms = 30 }
  etl               = { invocations_per_month = 900, average_duration_ms = 45000 }
  sessions          = { invocations_per_month = 30, average_duration_ms = 60000 }
  scraper           = { invocations_per_month = 720, average_duration_ms = 20000 }
  slack             = { invocations_per_month = 20000, average_duration_ms = 300 }
}

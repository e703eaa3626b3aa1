# The embedded emulator (`invoke up`). Handlers run on a local interpreter there, so the runtime
# is a label only: aws provider 3.39 (the offline one) accepts no Python newer than 3.8.
environment              = "local"
lambda_runtime           = "python3.8"
log_retention_days       = 1
force_destroy_buckets    = true
log_level                = "INFO"
api_cors_allowed_origins = ["http://localhost:3000"]
secret_recovery_days     = 0
slack_weather_url        = "{site}/weather/{place}?format=j1"
scraper_allow_hosts      = ["127.0.0.1"]
scraper_products = [
  { id = "kettle", name = "Kettle", url = "{site}/shop/products/kettle", selector = "" },
  { id = "lamp", name = "Desk lamp", url = "{site}/shop/products/lamp", selector = "" },
  { id = "chair", name = "Chair", url = "{site}/shop/products/chair", selector = "" },
  { id = "no-price", name = "Sold-out item", url = "{site}/shop/products/no-price", selector = "" },
  { id = "flaky", name = "Flaky shop", url = "{site}/shop/products/flaky", selector = "" },
]
# Short timeouts keep the emulator's retries quick: the work queue's visibility is 6 x 5 s.
function_timeout = { worker = 5 }
# One initialised environment for the users API, so the local rehearsal runs the provisioned path too.
provisioned_concurrency = { users = 1 }

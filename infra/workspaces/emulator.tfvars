# The embedded emulator (`invoke up`). Handlers run on a local interpreter there, so the runtime
# is a label only: aws provider 3.39 (the offline one) accepts no Python newer than 3.8.
environment           = "local"
lambda_runtime        = "python3.8"
log_retention_days    = 1
force_destroy_buckets = true
log_level             = "INFO"
cors_allowed_origins  = ["http://localhost:3000"]
secret_recovery_days  = 0

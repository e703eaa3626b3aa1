variable "region" {
  description = "AWS region everything is deployed to."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Short project name, first part of every resource name."
  type        = string
  default     = "platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.project))
    error_message = "The project name must be 2-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod, local): second part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "The environment must be 2-10 lowercase letters or digits, starting with a letter."
  }
}

variable "manifest_path" {
  description = "Path of the build manifest (build/manifest.json) relative to the root module; the toolchain sets it."
  type        = string
}

variable "artifacts_bucket" {
  description = "Bucket holding the artifacts under artifacts/<sha256>.zip (set by the toolchain for every environment but the emulator's own); empty deploys from the local build directory."
  type        = string
  default     = ""
}

variable "lambda_runtime" {
  description = "Lambda runtime of every function. python3.8 only as the offline emulator's label (aws provider 3.39 knows no newer Python)."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13"], var.lambda_runtime)
    error_message = "The runtime must be one of python3.8 ... python3.13."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps function logs."
  type        = number
  default     = 30
}

variable "function_memory" {
  description = "Memory in MB per function name; functions not listed use their default."
  type        = map(number)
  default     = {}
}

variable "provisioned_concurrency" {
  description = "Execution environments kept initialised on the `live` alias, per function name (functions not listed: none). Billed by the hour whether used or not: set it where cold starts matter (the API's functions in prod)."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for n in values(var.provisioned_concurrency) : n >= 0 && floor(n) == n])
    error_message = "Provisioned concurrency is a whole number of environments, 0 or more."
  }
}

variable "function_timeout" {
  description = "Timeout in seconds per function name; functions not listed use their default."
  type        = map(number)
  default     = {}
}

variable "errors_alarm_threshold" {
  description = "Errors per 5 minutes that fire a function's Errors alarm."
  type        = number
  default     = 1
}

variable "force_destroy_buckets" {
  description = "Let destroy delete buckets that still hold objects (short-lived environments only)."
  type        = bool
  default     = false
}

variable "log_level" {
  description = "Log level of the functions (DEBUG, INFO, WARNING, ERROR)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "The log level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "api_cors_allowed_origins" {
  description = "Origins allowed to call the users API from a browser (exact scheme://host[:port]); never \"*\"."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.api_cors_allowed_origins, "*")
    error_message = "List the allowed origins; \"*\" is not accepted."
  }
}

variable "authorizer_jwt_mode" {
  description = "How the authorizer verifies tokens: hs256 (secret in Secrets Manager) or jwks (RS256/ES256 keys at authorizer_jwks_url)."
  type        = string
  default     = "hs256"

  validation {
    condition     = contains(["hs256", "jwks"], var.authorizer_jwt_mode)
    error_message = "The JWT mode must be hs256 or jwks."
  }
}

variable "authorizer_jwks_url" {
  description = "JWKS document of the identity provider (jwks mode)."
  type        = string
  default     = ""
}

variable "authorizer_jwt_issuer" {
  description = "Expected `iss` of every token."
  type        = string
  default     = "https://auth.example.com/"
}

variable "authorizer_jwt_audience" {
  description = "Expected `aud` of every token."
  type        = string
  default     = "platform-api"
}

variable "authorizer_cache_seconds" {
  description = "How long API Gateway caches an authorizer result per token (0 disables the cache)."
  type        = number
  default     = 300
}

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second the API stage accepts."
  type        = number
  default     = 100
}

variable "api_throttling_burst_limit" {
  description = "Burst the API stage accepts above its rate limit."
  type        = number
  default     = 200
}

variable "manage_api_gateway_account" {
  description = "Set the account's API Gateway CloudWatch role (needed for access logs). One per account and region: switch off where another stack owns it."
  type        = bool
  default     = true
}

variable "site_base_url" {
  description = "Replaces {site} in slack_weather_url and the scraper's product URLs (the emulator sets it to its stand-in websites)."
  type        = string
  default     = ""
}

variable "slack_weather_url" {
  description = "Weather endpoint of the Slack bot, with {place} where the place goes (wttr.in JSON format)."
  type        = string
  default     = "https://wttr.in/{place}?format=j1"
}

variable "secret_recovery_days" {
  description = "Days a deleted secret can be restored (0 deletes at once: short-lived environments only)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_days == 0 || (var.secret_recovery_days >= 7 && var.secret_recovery_days <= 30)
    error_message = "Secrets Manager accepts 0 or 7-30 days."
  }
}

variable "order_stream_alert_threshold" {
  description = "Orders above this amount publish an alert."
  type        = number
  default     = 1000
}

variable "sessions_cleanup_schedule" {
  description = "When the expired-session sweep runs (UTC)."
  type        = string
  default     = "cron(0 2 * * ? *)"
}

variable "scraper_schedule" {
  description = "How often the price scraper runs."
  type        = string
  default     = "rate(1 hour)"
}

variable "scraper_products" {
  description = "Products the scraper watches: id (lowercase, digits, -), name, page url ({site} is replaced by site_base_url) and a CSS selector for the price (\"\" for the defaults)."
  type = list(object({
    id       = string
    name     = string
    url      = string
    selector = string
  }))
  default = []
}

variable "scraper_allow_hosts" {
  description = "Hosts the scraper may fetch although they are not public (only the emulator's own sites)."
  type        = list(string)
  default     = []
}

variable "scraper_price_drop_percent" {
  description = "A price this many percent (or more) below the previous one publishes an alert."
  type        = number
  default     = 10
}

variable "worker_queue_max_receive_count" {
  description = "Receives of a work message before it moves to the dead-letter queue."
  type        = number
  default     = 3
}

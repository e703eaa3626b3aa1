variable "name" {
  description = "Function name; also names its role, policy, log group and alarm."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "The name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  description = "Human-readable description of the function."
  type        = string
  default     = ""
}

variable "artifact" {
  description = "The function's zip as recorded in build/manifest.json: either a local filename or an S3 bucket and key (the other null), its base64 sha256 and the handler."
  type = object({
    filename     = string
    s3_bucket    = string
    s3_key       = string
    base64sha256 = string
    handler      = string
  })

  validation {
    condition     = (var.artifact.filename == null) != (var.artifact.s3_bucket == null)
    error_message = "Give either artifact.filename or artifact.s3_bucket (with s3_key), not both."
  }
}

variable "defaults" {
  description = "What every function of the platform shares: runtime, architecture, layers, log level, metrics namespace, log retention, alarm actions, the Errors alarm's threshold."
  type = object({
    runtime                = string
    architecture           = string
    layers                 = list(string)
    log_level              = string
    metrics_namespace      = string
    log_retention_days     = number
    alarm_actions          = list(string)
    errors_alarm_threshold = number
  })

  validation {
    condition     = contains(["python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13"], var.defaults.runtime)
    error_message = "The runtime must be python3.8 to python3.13 (python3.8 only as the offline emulator's label)."
  }

  validation {
    condition     = contains(["x86_64", "arm64"], var.defaults.architecture)
    error_message = "The architecture must be x86_64 or arm64 (aws provider 3.39 applies x86_64 only)."
  }

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653], var.defaults.log_retention_days)
    error_message = "The retention must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.defaults.log_level)
    error_message = "The log level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "The memory size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "The timeout must be between 1 and 900 seconds."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 leaves the function unreserved."
  type        = number
  default     = -1
}

variable "provisioned_concurrency" {
  description = "Execution environments Lambda keeps initialised on the `live` alias (0: none, on-demand only)."
  type        = number
  default     = 0

  validation {
    condition     = var.provisioned_concurrency >= 0 && floor(var.provisioned_concurrency) == var.provisioned_concurrency
    error_message = "Provisioned concurrency is a whole number of environments, 0 or more."
  }
}

variable "environment" {
  description = "Environment variables besides POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_LOG_LEVEL, which every function gets. Never secrets: those are read from Secrets Manager at run time."
  type        = map(string)
  default     = {}
}

variable "policy_statements" {
  description = "What the function may do besides writing its logs and traces: least privilege, no wildcard actions."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

variable "tracing_mode" {
  description = "X-Ray tracing mode."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "The tracing mode must be Active or PassThrough."
  }
}

variable "async_failure_destination_arn" {
  description = "SQS queue or SNS topic that receives asynchronous invocations still failing after the retries; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.async_failure_destination_arn == null || can(regex("^arn:[^:]+:(sqs|sns|lambda|events):", var.async_failure_destination_arn))
    error_message = "The failure destination must be the ARN of an SQS queue, SNS topic, Lambda function or event bus."
  }
}

variable "async_maximum_retry_attempts" {
  description = "Retries of a failed asynchronous invocation (0-2)."
  type        = number
  default     = 2

  validation {
    condition     = var.async_maximum_retry_attempts >= 0 && var.async_maximum_retry_attempts <= 2
    error_message = "Lambda allows 0 to 2 retries of an asynchronous invocation."
  }
}

variable "async_maximum_event_age_seconds" {
  description = "How long an asynchronous event may wait for a successful attempt (60-21600 s)."
  type        = number
  default     = 21600

  validation {
    condition     = var.async_maximum_event_age_seconds >= 60 && var.async_maximum_event_age_seconds <= 21600
    error_message = "The maximum event age must be between 60 and 21600 seconds."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "duration_alarm_ratio" {
  description = "Fraction of the timeout above which the near-timeout alarm fires."
  type        = number
  default     = 0.8

  validation {
    condition     = var.duration_alarm_ratio > 0 && var.duration_alarm_ratio < 1
    error_message = "The ratio must be between 0 and 1."
  }
}

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

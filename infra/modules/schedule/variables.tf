variable "name" {
  description = "Name of the EventBridge rule."
  type        = string
}

variable "description" {
  description = "What the schedule is for."
  type        = string
  default     = ""
}

variable "schedule_expression" {
  description = "cron(...) (six fields, UTC) or rate(...)."
  type        = string

  validation {
    condition     = can(regex("^(cron\\(.+\\)|rate\\([0-9]+ (minute|minutes|hour|hours|day|days)\\))$", var.schedule_expression))
    error_message = "The schedule must be cron(...) or rate(N unit)."
  }
}

variable "function_name" {
  description = "Function the rule invokes."
  type        = string
}

variable "function_arn" {
  description = "ARN of that function."
  type        = string
}

variable "tags" {
  description = "Tags for the rule."
  type        = map(string)
  default     = {}
}

variable "function_qualifier" {
  description = "Alias (or version) the rule invokes, as in function_arn; null for the unqualified function."
  type        = string
  default     = null
}

variable "name" {
  description = "Name of the state machine; also names its role and log group."
  type        = string
}

variable "definition" {
  description = "Amazon States Language definition (JSON)."
  type        = string
}

variable "function_arns" {
  description = "Lambda functions the workflow's tasks invoke (its role may invoke these only)."
  type        = list(string)
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the execution logs."
  type        = number
  default     = 30
}

variable "alarm_actions" {
  description = "Notified when executions fail."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

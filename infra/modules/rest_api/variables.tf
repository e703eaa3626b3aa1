variable "name" {
  description = "Name of the REST API; also names its access log group."
  type        = string
}

variable "description" {
  description = "Description of the REST API."
  type        = string
  default     = ""
}

variable "stage_name" {
  description = "Name of the single stage the API is deployed to (part of the invoke URL)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.stage_name))
    error_message = "The stage name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "routes" {
  description = "Routes keyed \"METHOD /path\" (paths up to three segments, {param} allowed), each to a function with Lambda proxy integration; `authorized` puts the TOKEN authorizer in front."
  type = map(object({
    function_name = string
    invoke_arn    = string
    authorized    = bool
  }))

  validation {
    condition = alltrue([
      for key in keys(var.routes) : can(regex("^(GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD|ANY) /[A-Za-z0-9_{}.-]+(/[A-Za-z0-9_{}.-]+){0,2}$", key))
    ])
    error_message = "Route keys look like \"GET /users/{userId}\": a method, a space and a path of one to three segments."
  }
}

variable "authorizer" {
  description = "The TOKEN authorizer for routes with `authorized = true`: its function and how long API Gateway caches a result per token (0 disables caching)."
  type = object({
    function_name = string
    invoke_arn    = string
    ttl_seconds   = number
  })

  validation {
    condition     = var.authorizer.ttl_seconds >= 0 && var.authorizer.ttl_seconds <= 3600
    error_message = "The authorizer result TTL must be 0-3600 seconds."
  }
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second for the whole stage."
  type        = number
  default     = 100
}

variable "throttling_burst_limit" {
  description = "Burst of requests the stage accepts above the rate limit."
  type        = number
  default     = 200
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the stage's access logs."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "function_qualifier" {
  description = "Alias (or version) of the functions the routes and the authorizer invoke; null for the unqualified function. Must match the qualifier in their invoke ARNs."
  type        = string
  default     = null
}

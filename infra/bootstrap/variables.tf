variable "region" {
  description = "Region of the state and artifacts buckets."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Project name, part of the bucket and table names."
  type        = string
  default     = "platform"
}

variable "environments" {
  description = "Environments that get a deploy role, each assumable only by CI jobs in that GitHub environment."
  type        = list(string)
  default     = ["dev", "staging", "prod"]

  validation {
    condition     = alltrue([for env in var.environments : can(regex("^[a-z][a-z0-9-]{0,15}$", env))])
    error_message = "Environment names are lower-case letters, digits and dashes, at most 16 characters."
  }
}

variable "github_repository" {
  description = "The GitHub repository (owner/name) whose workflow jobs may assume the deploy roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "The repository is owner/name, as GitHub spells it."
  }
}

variable "github_oidc_thumbprints" {
  description = "Certificate thumbprints of token.actions.githubusercontent.com (ignored by AWS since 2023, required by aws provider 3.x)."
  type        = list(string)
  default     = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

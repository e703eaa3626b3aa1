"""Terraform for the platform: installing it offline, staging the root module, running it per world."""

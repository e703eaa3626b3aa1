"""Users REST API: create, read, list (paginated), update and delete users with unique emails."""

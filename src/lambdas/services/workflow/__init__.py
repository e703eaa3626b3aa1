"""Order workflow (Step Functions): validate -> process -> notify, with a failure handler."""

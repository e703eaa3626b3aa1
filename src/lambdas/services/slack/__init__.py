"""Slack slash-command bot behind API Gateway, authenticated by Slack's request signature."""

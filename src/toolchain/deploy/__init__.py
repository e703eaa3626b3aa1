"""Environments on a target: plan, apply, outputs, promotion, bootstrap, cost (written once, for every target)."""

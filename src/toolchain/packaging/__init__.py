"""Deterministic, content-addressed Lambda artifacts: one zip per function, one dependency layer."""

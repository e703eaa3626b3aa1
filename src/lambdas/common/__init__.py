"""Shared runtime library: errors, settings, event parsing and lazily created AWS clients."""

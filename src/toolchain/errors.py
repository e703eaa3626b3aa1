"""Errors the toolchain reports to a person: what went wrong and what to do about it."""

from __future__ import annotations


class ToolchainError(Exception):
    """A failed precondition or step. `hint` says what to do; tasks print both and exit non-zero."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  -> {self.hint}" if self.hint else self.message


class ConfigError(ToolchainError):
    """pyproject.toml's [tool.platform] section, or a file it names, is wrong."""

"""A second source of advisories for pins pip-audit could not look up.

pip-audit asks PyPI about each exact release (`/pypi/<name>/<version>/json`) or asks OSV. Where
only PyPI's project endpoint answers (a mirror, a proxy that serves the project pages only), its
`vulnerabilities` still describe the project's latest release, and so every pin that *is* the
latest release can be audited from it. Older pins stay unaudited: nothing here guesses.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_URL = "https://pypi.org/pypi/{name}/json"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")

Fetch = Callable[[str], dict[str, Any]]


def fetch_json(url: str, timeout: float = 10.0) -> dict[str, Any]:
    if not url.startswith("https://"):
        raise ValueError(f"only https URLs are fetched, not {url!r}")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
        return json.loads(response.read())


def canonical_name(name: str) -> str:
    """PEP 503's form: pip-audit and a requirements file may spell one project differently."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(requirements: Path) -> dict[str, str]:
    pins = {}
    for line in requirements.read_text().splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[canonical_name(match.group(1))] = match.group(2)
    return pins


@dataclass
class LatestReleaseAudit:
    vulnerabilities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    not_latest: dict[str, str] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)


class LatestReleaseAdvisories:
    def __init__(self, fetch: Fetch = fetch_json) -> None:
        self._fetch = fetch

    def audit(self, pins: dict[str, str]) -> LatestReleaseAudit:
        result = LatestReleaseAudit()
        for name, version in sorted(pins.items()):
            try:
                project = self._fetch(PROJECT_URL.format(name=name))
            except (OSError, ValueError):
                result.unreachable.append(name)
                continue
            latest = str(project.get("info", {}).get("version", ""))
            if latest != version:
                result.not_latest[name] = latest
                continue
            result.vulnerabilities[name] = [v for v in project.get("vulnerabilities") or [] if not v.get("withdrawn")]
        return result

"""docs/security.md's hostile-input table states what tests/hostile.py actually holds."""

from __future__ import annotations

import json

from tests import hostile
from tests.conftest import EVENTS, ROOT


def test_the_documented_counts_match_the_corpus() -> None:
    sizes = hostile.sizes(json.loads((EVENTS / "apigateway-rest-proxy.json").read_text()))
    readme = (ROOT / "docs" / "security.md").read_text()
    steps = " / ".join(str(sizes[f"workflow-{s}"]) for s in ("validate", "process", "notify", "failed"))

    for handler in (
        "users",
        "checkout",
        "slack",
        "authorizer",
        "thumbnails",
        "etl",
        "orders",
        "worker",
        "notifications",
    ):
        assert f"\n| {handler} | {sizes[handler]} |" in readme, handler
    assert f"\n| workflow steps (4) | {steps} |" in readme
    assert f"\n| scraper | {sizes['scraper pages']} pages |" in readme
    assert f"each\nhandler gets {len(hostile.SHAPES)} shapes" in readme

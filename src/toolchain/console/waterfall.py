"""A trace drawn as a waterfall: its hops in start order, each with its depth, offset and duration."""

from __future__ import annotations

from typing import Any

from toolchain.traces import Node, build_tree, documents


def waterfall(trace: dict[str, Any]) -> dict[str, Any]:
    """A trace as rows in start order: depth, name, offset and duration in ms, and what went wrong."""
    roots = build_tree(documents(trace))
    rows: list[dict[str, Any]] = []
    if not roots:
        return {"id": trace.get("Id"), "duration_ms": 0.0, "rows": rows}
    origin = min(root.start for root in roots)

    def walk(node: Node, depth: int) -> None:
        doc = node.doc
        http = doc.get("http") or {}
        rows.append({
            "depth": depth,
            "name": str(doc.get("name", "?")),
            "kind": doc.get("origin") or doc.get("namespace") or "",
            "operation": (doc.get("aws") or {}).get("operation") or "",
            "status": (http.get("response") or {}).get("status"),
            "start_ms": round((node.start - origin) * 1000, 2),
            "duration_ms": round((node.end - node.start) * 1000, 2),
            "flags": [f for f in ("fault", "error", "throttle") if doc.get(f)],
            "annotations": dict(doc.get("annotations") or {}),
        })  # fmt: skip
        for child in node.children:
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    end = max(r["start_ms"] + r["duration_ms"] for r in rows)
    correlation = next((r["annotations"]["correlation_id"] for r in rows if "correlation_id" in r["annotations"]), None)
    return {"id": trace.get("Id"), "duration_ms": round(end, 2), "correlation_id": correlation, "rows": rows}

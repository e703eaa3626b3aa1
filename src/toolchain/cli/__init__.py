"""The invoke tasks: one module per namespace (`invoke fn.*` is fn.py), assembled with
`Collection.from_module` as invoke's docs show; the top-level tasks come from the modules by subject."""

from __future__ import annotations

from pathlib import Path

from invoke import Collection

from toolchain.cli import (
    build,
    chaos,
    checks,
    console,
    cost,
    deps,
    emulator,
    environments,
    events,
    fn,
    iam,
    loop,
    queues,
    rules,
    security,
    snapshot,
    tf,
    traces,
)
from toolchain.cli.common import help_is_never_a_positional_value

NAMESPACES = (fn, tf, deps, events, rules, queues, security, iam, cost, snapshot, chaos)


def namespace(root: Path) -> Collection:
    help_is_never_a_positional_value()
    ns = Collection(
        build.package,
        build.new,
        emulator.up,
        loop.watch,
        emulator.down,
        emulator.demo,
        emulator.token,
        environments.plan,
        environments.apply,
        environments.outputs,
        environments.promote,
        environments.rollback,
        traces.traces,
        console.console,
        environments.bootstrap,
        environments.destroy,
        checks.test,
        checks.lint,
        checks.bench,
        checks.mutants,
    )
    for module in NAMESPACES:
        ns.add_collection(Collection.from_module(module, name=module.__name__.rsplit(".", 1)[-1]))
    ns.configure({"platform": {"root": str(root)}})
    return ns

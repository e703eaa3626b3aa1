"""The invoke tasks, by subject; `namespace` assembles them as tasks.py shows them."""

from __future__ import annotations

from pathlib import Path

from invoke import Collection

from toolchain.cli import build, checks, emulator, environments, functions, loop, traces
from toolchain.cli.common import help_is_never_a_positional_value


def namespace(root: Path) -> Collection:
    help_is_never_a_positional_value()
    ns = Collection(
        build.package,
        build.new,
        emulator.up,
        loop.watch,
        emulator.down,
        emulator.demo,
        environments.plan,
        environments.apply,
        environments.outputs,
        environments.promote,
        environments.rollback,
        environments.cost,
        traces.traces,
        environments.bootstrap,
        environments.destroy,
        checks.test,
        checks.lint,
        checks.bench,
    )
    ns.add_collection(Collection("fn", functions.invoke_function, functions.logs))
    ns.add_collection(Collection("tf", checks.tf_install, checks.tf_fmt, checks.tf_validate, checks.tf_docs))
    ns.add_collection(Collection("deps", build.deps_lock))
    ns.add_collection(Collection("events", loop.events_generate))
    ns.add_collection(Collection("rules", emulator.rules_list, emulator.rules_fire))
    ns.add_collection(Collection("queues", emulator.queues_redrive))
    security = (checks.security_tools, checks.security_scan, checks.security_iam, checks.security_secrets)
    ns.add_collection(Collection("security", *security))
    ns.configure({"platform": {"root": str(root)}})
    return ns

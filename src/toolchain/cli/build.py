"""Tasks that build: `package`, `deps.lock`."""

from __future__ import annotations

from invoke import Context

from toolchain.cli.common import platform_task, say, toolchain
from toolchain.config import check_architecture, check_python, load_config


@platform_task(
    help={
        "python": "Lambda Python version to build for (default: [tool.platform] python, 3.12)",
        "arch": "x86_64 or arm64 (default: [tool.platform] architecture)",
    }
)
def package(c: Context, python: str = "", arch: str = "") -> None:
    """Build function zips and the dependency layer into build/.

    Deterministic and content-addressed: build/manifest.json records every artifact's hashes, and an
    artifact whose inputs did not change is neither rebuilt nor rewritten.
    """
    with toolchain(c) as tc:
        build = tc.lambda_build(
            check_python(python, "--python") if python else None,
            check_architecture(arch, "--arch") if arch else None,
        )
        tc.reporter.step(f"Packaging {len(tc.config.functions)} function(s) for {build.runtime.describe()}")
        report = tc.package(build)
        for label in report.built:
            say(f"  built      {label}")
        for label in report.reused:
            say(f"  unchanged  {label}")
        for label in report.removed:
            say(f"  removed    {label}")
        written = "written" if report.manifest_written else "unchanged"
        say(f"{tc.config.shown(report.manifest_path)} {written} in {report.seconds:.2f} s")


@platform_task(
    help={
        "name": "the function's name: 3-30 lowercase letters, digits and '-'",
        "trigger": "what starts it: api, s3, sqs, sns, schedule or kinesis",
    }
)
def new(c: Context, name: str, trigger: str) -> None:
    """Add a function: its service, Terraform, sample event, tests and pyproject.toml entry, in one go."""
    from toolchain.scaffold import new_function
    from toolchain.terraform.index import refresh_index

    with toolchain(c) as tc:
        scaffold = new_function(tc.config, name, trigger)
        written_tf = [p for p in scaffold.written if p.suffix == ".tf"]
        tc.terraform().format(written_tf)
        config = load_config(tc.config.root)
        refresh_index(config.infra_dir, [f.name for f in config.functions])
    for path in scaffold.written:
        say(f"  wrote  {config.shown(path)}")
    say(f"\nNext: `invoke up` deploys {name}; `invoke fn.invoke {name} events/{name}.json` runs it.")
    say(f"Edit src/lambdas/services/{scaffold.package}/service.py (what it does), settings.py (what it reads)")
    say(f"and the policy_statements in infra/{scaffold.package}.tf (what it may touch).")

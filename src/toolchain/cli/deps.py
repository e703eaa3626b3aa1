"""`invoke deps.*`: the layer's pins."""

from __future__ import annotations

from invoke import Context

from toolchain.cli.common import platform_task, say, toolchain


@platform_task(name="lock")
def lock(c: Context) -> None:
    """Re-pin requirements/layer.txt from requirements/layer.in, with the wheels' sha256 for both architectures."""
    from toolchain.packaging.lock import resolve_lock, unhashed_pins
    from toolchain.packaging.runtimes import Runtime

    with toolchain(c) as tc:
        config = tc.config
        runtimes = [Runtime.on_lambda(config.python, arch) for arch in ("x86_64", "arm64")]
        text = resolve_lock(config.root / "requirements/layer.in", runtimes, config.layer.provided)
    config.layer.requirements.write_text(text)
    development = config.layer.requirements.with_name("layer-pins.txt")
    development.write_text(unhashed_pins(text))
    say(f"wrote {config.shown(config.layer.requirements)} and {config.shown(development)}")

"""Tasks of the embedded emulator: `up`, `down`, `demo`, the schedules it fires, its queues."""

from __future__ import annotations

import sys
from typing import Any

from invoke import Context

from toolchain.cli.common import VERBOSE_HELP, environments, platform_task, say, toolchain, verbosity
from toolchain.context import Toolchain
from toolchain.deploy.local import up as bring_up
from toolchain.display import table
from toolchain.emulator.clients import emulator_client
from toolchain.emulator.persistence.snapshots import start_afresh


def _show(tc: Toolchain, outputs: dict[str, Any], everything: bool = True) -> None:
    if everything:
        say("\nOutputs:")
        say(table(outputs))
    else:
        say(f"\n{len(outputs)} outputs: `invoke outputs` lists them (functions, live versions, queues, alarms).")
    apis = tc.emulator.apis()
    if apis:
        say("\nREST APIs served locally (as API Gateway would):")
        for api in apis:
            say(f"  {api['name']} ({api['stage']})  {api['url']}")


@platform_task(help={"watch": "then carry every saved edit to the emulator, as `invoke watch` does",
                     "fresh": "start empty: discard the stored state and every environment on it (listed first)",
                     "verbose": VERBOSE_HELP + "; and the outputs table"})  # fmt: skip
def up(c: Context, watch: bool = False, fresh: bool = False, verbose: bool = False) -> None:
    """Start the emulator, build, plan and apply infra/ to it (environment emulator), print the outputs.

    A running emulator is reused; its pid and endpoint are in build/emulator/server.json. A stopped
    one starts from its stored state (build/emulator/state), as it was. dev, staging and prod go onto
    it like onto AWS: `invoke plan --env dev`, `invoke apply --env dev`.
    """
    verbosity(verbose)
    with toolchain(c) as tc:
        if fresh:
            _discard(tc)
        outputs = bring_up(tc)
        _show(tc, outputs, everything=tc.verbose)
        endpoint = tc.emulator.require().endpoint
    say(f"\nEmulator: {endpoint} (AWS_ENDPOINT_URL={endpoint}); stop it with `invoke down`.")
    if watch:
        from toolchain.cli.loop import watch as watch_task

        watch_task(c)


def _discard(tc: Toolchain) -> None:
    """Say what `--fresh` drops, then drop it: the emulator's state and Terraform's of what was on it."""
    for line in start_afresh(tc.emulator, tc.snapshots()):
        say(line)


@platform_task
def down(c: Context) -> None:
    """Stop the emulator; its state stays in build/emulator/state and `invoke up` starts from it."""
    with toolchain(c) as tc:
        info = tc.emulator.stop()
    say(f"stopped the emulator (pid {info.pid}); `invoke up` resumes it as it was" if info
        else "the emulator was not running")  # fmt: skip


@platform_task(help={"verbose": VERBOSE_HELP + "; and the outputs table"})
def demo(c: Context, verbose: bool = False) -> None:
    """Run `up`, upload a photo, show the thumbnail it gets; then the users API and the Slack bot."""
    from toolchain.demo import run_api_demo, run_demo
    from toolchain.display import size
    from toolchain.tokens import authorizer_verifier, mint

    verbosity(verbose)
    with toolchain(c) as tc:
        outputs = bring_up(tc)
        _show(tc, outputs, everything=tc.verbose)
        endpoint = tc.emulator.require().endpoint
        tc.reporter.step("Demo: uploading a photo, waiting for its thumbnail")
        result = run_demo(
            emulator_client("s3", endpoint),
            emulator_client("logs", endpoint),
            bucket=outputs["media_bucket_name"],
            upload_prefix=outputs["upload_prefix"],
            thumbnail_prefix=outputs["thumbnail_prefix"],
            log_group=outputs["functions"]["thumbnails"]["log_group_name"],
        )
        bucket = outputs["media_bucket_name"]
        width, height = result.thumbnail_dimensions
        say(f"  uploaded   s3://{bucket}/{result.source_key} ({size(result.source_size)}, 4000x3000, EXIF: rotate 90°)")
        say(f"  thumbnail  s3://{bucket}/{result.thumbnail_key} ({size(result.thumbnail_size)}, {width}x{height})")
        say(f"  appeared   {result.seconds:.2f} s after the upload")
        for line in result.log_lines:
            say(f"  log        {line}")
        tc.reporter.step("Demo: the users API behind the JWT authorizer, and the Slack bot, over local HTTP")
        secrets = emulator_client("secretsmanager", endpoint)
        api = next(a["url"] for a in tc.emulator.apis() if a["api_id"] == outputs["api_id"])
        verifier = authorizer_verifier(
            emulator_client("lambda", endpoint), outputs["functions"]["authorizer"]["function_name"]
        )
        key = secrets.get_secret_value(SecretId=verifier.secret_id)["SecretString"]
        lines = run_api_demo(
            api,
            mint(key, verifier, "demo-user", "users:read users:write", 10),
            secrets.get_secret_value(SecretId=outputs["slack_secret_id"])["SecretString"],
        )
    for line in lines:
        say(f"  {line}")
    say(
        "\nNext: `invoke console` opens the operator's page (functions, alarms, queues, traces, the bill);\n"
        "`invoke watch` carries each saved edit to the emulator; `invoke down` stops it (docs/development.md)."
    )


@platform_task(
    help={
        "env": "environment on the emulator: emulator (default), dev, staging or prod",
        "sub": "the token's subject (default: local-developer)",
        "scope": "space-separated scopes (default: users:read users:write)",
        "minutes": "lifetime in minutes, 1 to 1440 (default: 60)",
    }
)
def token(c: Context, env: str = "emulator", sub: str = "local-developer", scope: str = "users:read users:write",
          minutes: int = 60) -> None:  # fmt: skip
    """Mint a JWT the environment's authorizer accepts, on the emulator only: its own key, issuer and
    audience. Prints the token alone, for `TOKEN=$(invoke token)` and
    `curl -H "Authorization: Bearer $TOKEN" <API URL>/users`. AWS environments are refused: their
    tokens come from your identity provider."""
    from toolchain.tokens import authorizer_verifier, mint

    with environments(c, "emulator") as envs:
        values = envs.deployed_outputs(env)
        verifier = authorizer_verifier(envs.client("lambda", env), values["functions"]["authorizer"]["function_name"])
        key = envs.client("secretsmanager", env).get_secret_value(SecretId=verifier.secret_id)["SecretString"]
        minted = mint(key, verifier, sub, scope, minutes)
        api = envs.local_api_url(values)
    print(minted, flush=True)
    if api:
        print(f'curl -H "Authorization: Bearer $TOKEN" {api}/users', file=sys.stderr, flush=True)

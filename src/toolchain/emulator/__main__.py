"""`python -m toolchain.emulator serve --state-dir build/emulator [--port N]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from toolchain.emulator.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m toolchain.emulator")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the emulator in the foreground")
    run.add_argument("--state-dir", type=Path, required=True)
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    serve(args.state_dir, args.host, args.port)


if __name__ == "__main__":
    main()

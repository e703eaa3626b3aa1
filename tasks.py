"""Tasks of the serverless platform: `invoke --list` shows them, `invoke <task> --help` explains one.

The tasks live beside the toolchain they call (src/toolchain/cli/); this file only assembles them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from toolchain.cli import namespace  # noqa: E402
from toolchain.cli.common import interrupts_stop_tasks  # noqa: E402

interrupts_stop_tasks()
ns = namespace(ROOT)

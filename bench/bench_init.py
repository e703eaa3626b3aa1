"""Each function's cold init (importing its handler module) in a fresh interpreter set up as Lambda's.

`python -I -S -B` (no site-packages; no byte code written, since Lambda's /var/task and /opt are
read-only), the path the function's zip, the layer and the runtime-provided packages (boto3 & co),
the environment Lambda's. Three variants of the same code, interleaved cold start by cold start:

- project: the zips and layer exactly as `invoke package` ships them, the runtime packages as the
  emulator provides them;
- floor: the same files with the byte code made by a plain `python3.X -m compileall` of each
  folder (and of the runtime packages), i.e. the best the interpreter itself does;
- no byte code: the same files with every `__pycache__` removed, what shipping sources alone costs.

Then X-Ray's share of a cold start: thumbnails with and without Powertools' Tracer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from harness import ROOT, interleaved, median, result, table

from toolchain.cache import cache_dir
from toolchain.emulator.awslambda.interpreters import choose_interpreter
from toolchain.emulator.awslambda.runtime_packages import provided_packages_dir

ROUNDS = 7
CHILD = r"""
import importlib, json, sys, time
paths, module = json.loads(sys.argv[1]), sys.argv[2]
sys.path[:] = paths + sys.path[1:]
started = time.perf_counter()
importlib.import_module(module)
print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
"""


def lambda_env(name: str, handler: str, code: Path, version: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC", "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}", "LAMBDA_TASK_ROOT": str(code), "_HANDLER": handler,
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "_X_AMZN_TRACE_ID": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"}  # fmt: skip


def cold_start(python: Path, paths: list[Path], module: str, env: dict[str, str]) -> float:
    out = subprocess.run([str(python), "-I", "-S", "-B", "-c", CHILD, json.dumps([str(p) for p in paths]), module],
                         capture_output=True, text=True, env=env, check=True)  # fmt: skip
    return json.loads(out.stdout)["ms"]


def variant(source: Path, target: Path, python: Path | None) -> Path:
    """A copy of `source` without byte code, compiled by plain compileall when `python` is given."""
    shutil.copytree(source, target, symlinks=False, ignore=shutil.ignore_patterns("__pycache__"))
    if python is not None:
        subprocess.run([str(python), "-m", "compileall", "-q", "-j", "0", str(target)], check=True,
                       capture_output=True)  # fmt: skip
    return target


def main() -> None:
    build = ROOT / "build"
    subprocess.run([sys.executable, "-m", "invoke", "package"], cwd=ROOT, check=True, capture_output=True)
    manifest = json.loads((build / "manifest.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shipped = work / "shipped"
        zipfile.ZipFile(build / manifest["layer"]["path"]).extractall(shipped / "layer")
        python, version = choose_interpreter([shipped / "layer"])
        runtime = provided_packages_dir(cache_dir() / "runtime", python)
        plain_runtime = variant(runtime, work / "floor" / "runtime", python)
        bare_runtime = variant(runtime, work / "bare" / "runtime", None)
        layers = {"project": shipped / "layer", "floor": variant(shipped / "layer", work / "floor" / "layer", python),
                  "bare": variant(shipped / "layer", work / "bare" / "layer", None)}  # fmt: skip
        runtimes = {"project": runtime, "floor": plain_runtime, "bare": bare_runtime}
        rows, totals = [], {"project": 0.0, "floor": 0.0}
        for name, artifact in sorted(manifest["functions"].items()):
            zipfile.ZipFile(build / artifact["path"]).extractall(shipped / name)
            codes = {"project": shipped / name, "floor": variant(shipped / name, work / "floor" / name, python),
                     "bare": variant(shipped / name, work / "bare" / name, None)}  # fmt: skip
            module = artifact["handler"].rsplit(".", 1)[0]

            def start(kind: str, name: str = name, module: str = module, codes: dict = codes) -> float:
                env = lambda_env(name, module, codes[kind], version)
                paths = [codes[kind], layers[kind] / "python", runtimes[kind]]
                return cold_start(python, paths, module, env)

            samples = interleaved({kind: lambda kind=kind: start(kind) for kind in codes}, rounds=ROUNDS)
            for kind in totals:
                totals[kind] += median(samples[kind])
            rows.append([name, *(f"{median(samples[k]):.0f}" for k in ("project", "floor", "bare")),
                         f"{median(samples['project']) / median(samples['floor']):.2f}"])  # fmt: skip

        thumbnails = shipped / "thumbnails"
        env = lambda_env("thumbnails", "lambdas.services.thumbnails.handler", thumbnails, version)
        paths = [thumbnails, layers["project"] / "python", runtime]
        module = "lambdas.services.thumbnails.handler"
        tracing = interleaved({"traced": lambda: cold_start(python, paths, module, env),
                               "untraced": lambda: cold_start(python, paths, module,
                                                              {**env, "POWERTOOLS_TRACE_DISABLED": "true"})},
                              rounds=ROUNDS)  # fmt: skip

    table(f"cold init, python {version} ({ROUNDS} cold starts each, interleaved)",
          ["shipped ms", "floor ms (compileall)", "no byte code ms", "shipped / floor"], rows)  # fmt: skip
    table("X-Ray's share of the thumbnails cold init", ["median ms"],
          [["Powertools Tracer on (patches botocore)", f"{median(tracing['traced']):.0f}"],
           ["POWERTOOLS_TRACE_DISABLED=true", f"{median(tracing['untraced']):.0f}"]])  # fmt: skip
    result("cold_init_ms_all_functions", totals["project"], totals["floor"])


if __name__ == "__main__":
    main()

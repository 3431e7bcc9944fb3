"""Config loading under attack: time and peak memory of reading hostile ``lw.yml`` files.

Each case runs in a fresh interpreter (so peak RSS is the case's own) and is loaded
twice: by lw's loader (``lw.core.config_file.read_config``) and, side by side, by
PyYAML's own ``yaml.safe_load`` (what a tool without a budget does). The target:
any config under 1 MiB loads or is refused in under 1 s and 50 MiB above the
interpreter's baseline ("cpu s" is the process's CPU time, which a busy machine
inflates less than the wall-clock "seconds"). ``yaml.safe_load`` builds a bomb quickly
as shared references; it is any walk of the result (validation, ``json.dumps``, a deep
copy) that then expands it, which is what lw did before its alias budget.

Usage: python benchmarks/config_load.py [--peer]   (--peer also times yaml.safe_load)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = r"""
import json, resource, sys, time
from pathlib import Path
path, how = Path(sys.argv[1]), sys.argv[2]
import yaml
from lw.core import config_file
from lw.core.errors import LwError
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
cpu = time.process_time()
outcome = "loaded"
try:
    if how == "lw":
        config_file.read_config(path)
    else:
        yaml.safe_load(path.read_text())
except LwError as error:
    outcome = "refused: " + str(error).split(": ", 1)[-1][:60]
seconds = time.perf_counter() - started
cpu = time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "cpu": cpu, "mib": (peak - base) / 1024, "outcome": outcome}))
"""


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines.append(f"dev: {{app_function: app.app, tags: {{x: *a{levels}}}}}")
    return "\n".join(lines) + "\n"


def flat_config(size: int) -> str:
    """A legitimate but large stage: many environment variables, just under ``size`` bytes."""
    lines = ["dev:", "  app_function: app.app", "  environment_variables:"]
    total, index = 40, 0
    while total < size - 64:
        line = f"    VAR_{index}: value-{index:08d}-abcdefghijklmnopqrstuvwxyz"
        lines.append(line)
        total += len(line) + 1
        index += 1
    return "\n".join(lines) + "\n"


def cases() -> list[tuple[str, str]]:
    return [
        ("alias bomb, 7 levels (475 B)", alias_bomb(7)),
        ("alias bomb, 8 levels", alias_bomb(8)),
        ("alias bomb, 30 levels", alias_bomb(30)),
        ("flat 1 MiB config", flat_config(1024 * 1024 - 1)),
        ("deep flow nesting (1 MiB of '[')", "dev: " + "[" * (1024 * 1024 - 8) + "\n"),
        ("5,000-digit integer", "dev: {app_function: app.app, memory_size: " + "1" * 5000 + "}\n"),
    ]


def run(path: Path, how: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), how], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        return {
            "seconds": float("nan"),
            "cpu": float("nan"),
            "mib": float("nan"),
            "outcome": "crashed: " + done.stderr.strip()[-60:],
        }
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", action="store_true", help="also time yaml.safe_load (slow on bombs)")
    args = parser.parse_args()
    print(f"{'case':<36} {'loader':<15} {'seconds':>8} {'cpu s':>7} {'MiB':>7}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name, text in cases():
            path = Path(folder) / "lw.yml"
            path.write_text(text)
            hows = ["lw"] + (["yaml.safe_load"] if args.peer else [])
            for how in hows:
                row = run(path, how)
                print(
                    f"{name:<36} {how:<15} {row['seconds']:>8.3f} {row['cpu']:>7.3f} {row['mib']:>7.1f}  "
                    f"{row['outcome']}"
                )


if __name__ == "__main__":
    main()

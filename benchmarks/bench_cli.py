"""How fast the framework-free commands answer (target: `zoo list` well under 0.5 s).

    python benchmarks/bench_cli.py [--repeats 5]

Each command runs in a fresh process, as a user runs it; the median wall time is printed, with
`python -c pass` as the interpreter's own floor.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = [["-c", "pass"], ["-m", "zoo", "list"], ["-m", "zoo", "plugins"], ["-m", "zoo", "validate"],
            ["-m", "zoo", "show", "default"]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for cmd in COMMANDS:
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, *cmd], capture_output=True, check=False)
            times.append(time.perf_counter() - start)
        label = "python -c pass" if cmd[0] == "-c" else "zoo " + " ".join(cmd[2:])
        print(f"{label:<24} median {statistics.median(times) * 1000:7.0f} ms  (min {min(times) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()

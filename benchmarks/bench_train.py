"""Training throughput per framework and precision, each in its own process (TF and torch in one
process compete for the cores).

    python benchmarks/bench_train.py [--recipe default] [--epochs 2] [--set k=v ...]

Prints the median train images/s of the epochs after the first (the first warms up) for torch
fp32, torch bf16 (autocast + channels_last) and Keras fp32, read from each run's history.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = [("torch", "fp32"), ("torch", "bf16"), ("keras", "fp32")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", default="default")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--frameworks", default="torch,keras")
    args = parser.parse_args()
    wanted = args.frameworks.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        for fw, precision in [c for c in CASES if c[0] in wanted]:
            out = Path(tmp) / f"{fw}-{precision}"
            sets = [a for o in [*args.overrides, f"train.precision={precision}"] for a in ("--set", o)]
            cmd = [sys.executable, "-m", "zoo", "train", args.recipe, "-f", fw, "--epochs", str(args.epochs),
                   "--out", str(out), *sets]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{fw} {precision}: failed: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            history = json.loads((out / "history.json").read_text())
            speeds = [h["images_per_second"] for h in history[1:] or history]
            metrics = json.loads((out / "metrics.json").read_text())
            print(f"{args.recipe} {fw:<6} {precision}: {statistics.median(speeds):8.1f} train images/s   "
                  f"test IoU {metrics['iou']:.3f}")


if __name__ == "__main__":
    main()

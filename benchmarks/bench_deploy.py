"""Inference latency of each framework's model against its ONNX export under onnxruntime.

    python benchmarks/bench_deploy.py [--recipe default] [--set k=v ...] [--frameworks torch,keras]
                                      [--epochs 1] [--repeats 30]

Per framework: one run of the recipe is trained (``--epochs``; latency does not depend on how well
it learned) and exported with ``--dynamic-batch``; then, each in its own process, the framework's
`Framework.predict` (what ``zoo predict RUN`` runs) and `zoo.onnx_model.OnnxModel.run` (what
``zoo predict MODEL.onnx`` runs, with neither torch nor TensorFlow imported) are timed on uint8
batches of 1 and 32 images: 3 untimed warm-up calls, then the median of ``--repeats`` calls
(a third of them at batch 32). Every engine gets ``--threads`` intra-op threads (default 1: on a
shared machine more threads measure the neighbours, not the engines).
Prints one line per (framework, batch) with milliseconds per batch and the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

BATCHES = (1, 32)


def _time(fn: Callable[[np.ndarray], Any], images: np.ndarray, repeats: int) -> float:
    for _ in range(3):
        fn(images)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(images)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _batches(size: tuple[int, int]) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(0)
    return {n: rng.integers(0, 256, (n, *size, 3), dtype=np.uint8) for n in BATCHES}


def measure_framework(run: str, repeats: int, threads: int) -> dict[int, float]:
    from zoo.plugins import registry
    from zoo.training import load_run

    plan, model, engine = load_run(run, registry())
    if threads and "torch" in sys.modules:  # the adapter sets every core; TF reads TF_NUM_INTRAOP_THREADS
        import torch

        torch.set_num_threads(threads)
    return {n: _time(lambda x: engine.predict(model, [x]), x, repeats if n == 1 else max(5, repeats // 3))
            for n, x in _batches(plan.input_size).items()}


def measure_onnx(path: str, repeats: int, threads: int) -> dict[int, float]:
    from zoo.onnx_model import OnnxModel

    model = OnnxModel(path, threads=threads or None)
    result = {n: _time(model.run, x, repeats if n == 1 else max(5, repeats // 3))
              for n, x in _batches(model.input_size).items()}
    leaked = [m for m in ("torch", "tensorflow") if m in sys.modules]
    if leaked:
        raise SystemExit(f"onnx measurement imported {leaked}")
    return result


def _child(kind: str, target: str, repeats: int, threads: int) -> dict[int, float]:
    env = dict(os.environ)
    if threads:
        env.update(TF_NUM_INTRAOP_THREADS=str(threads), TF_NUM_INTEROP_THREADS="1", OMP_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, __file__, "--measure", kind, "--target", target, "--repeats", str(repeats),
                           "--threads", str(threads)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} measurement failed: {proc.stderr.strip().splitlines()[-1:]}")
    return {int(k): v for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}


def _zoo(*args: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "zoo", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise SystemExit(f"zoo {' '.join(args[:2])} failed (exit {proc.returncode}): {last}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", default="default")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--frameworks", default="torch,keras")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads of every engine (0: their defaults)")
    parser.add_argument("--measure", choices=["framework", "onnx"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        fn = measure_framework if args.measure == "framework" else measure_onnx
        print(json.dumps(fn(args.target, args.repeats, args.threads)))
        return
    sets = [a for o in args.overrides for a in ("--set", o)]
    print(f"{'recipe':<12} {'framework':<9} {'batch':>5} {'framework ms':>12} {'onnxruntime ms':>14} {'speed-up':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for fw in args.frameworks.split(","):
            run = Path(tmp) / fw
            _zoo("train", args.recipe, "-f", fw, "--epochs", str(args.epochs), "--out", str(run), *sets)
            _zoo("export", str(run), "--dynamic-batch")
            native = _child("framework", str(run), args.repeats, args.threads)
            onnx = _child("onnx", str(run / "model.onnx"), args.repeats, args.threads)
            for n in BATCHES:
                print(f"{args.recipe:<12} {fw:<9} {n:>5} {native[n]:>12.2f} {onnx[n]:>14.2f} "
                      f"{native[n] / onnx[n]:>7.1f}x", flush=True)


if __name__ == "__main__":
    main()

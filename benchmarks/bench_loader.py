"""Loader benchmark: images/s of our generators and JPEG loader against naive references.

Run: ``python benchmarks/bench_loader.py [--raccoon DIR] [--workers N]``. Every measurement runs
in its own subprocess (fresh interpreter, no shared caches beyond the OS page cache), after one
untimed warm-up pass. Prints one line per measurement and the two speed-ups:

(a) blobs: ``zoo.datasets.synthetic.Blobs`` vs seed 004's ``synthetic_gen`` (Ganz), reimplemented
    below faithfully: a float64 batch and a per-pixel Python loop.
(b) JPEG at 128 px on ../shared/data/raccoon: our loader (draft mode + worker threads, through
    ``Pipeline``) vs a naive ``Image.open().convert("RGB").resize()`` loop (skipped when absent).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
DEFAULT_RACCOON = Path(os.environ.get("ZOO_RACCOON_DIR") or HERE.parents[1] / ".." / "shared" / "data" / "raccoon")


def seed_synthetic_gen(batch_size: int = 64):  # type: ignore[no-untyped-def]
    """Seed 004's synthetic_gen, as published (np.random global state, per-pixel loops)."""
    while True:
        X = np.zeros((batch_size, 128, 128, 3))
        Y = np.zeros((batch_size, 3))
        for i in range(batch_size):
            x = np.random.randint(8, 120)
            y = np.random.randint(8, 120)
            a = min(128 - max(x, y), min(x, y))
            r = np.random.randint(4, a)
            for x_i in range(128):
                for y_i in range(128):
                    if ((x_i - x) ** 2) + ((y_i - y) ** 2) < r ** 2:
                        X[i, x_i, y_i, :] = 1
            Y[i, 0] = (x - r) / 128.
            Y[i, 1] = (y - r) / 128.
            Y[i, 2] = 2 * r / 128.
        yield X, Y


def timed(fn, count: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    start = time.perf_counter()
    fn()
    return count / (time.perf_counter() - start)


def measure(name: str, raccoon: Path, workers: int) -> float:
    """Images per second of one measurement (runs inside the subprocess)."""
    if name == "seed_blobs":
        np.random.seed(0)
        gen = seed_synthetic_gen(64)
        return timed(lambda: next(gen), 64)
    if name == "zoo_blobs":
        from zoo.datasets.synthetic import blobs

        def run() -> None:
            data = blobs(2048, 128, 0.1, 0.1, 0)
            for i in range(len(data)):
                data.load(i)
        return timed(run, 2048)
    files = sorted((raccoon / "images").glob("*.jpg"))
    if name == "naive_pil":
        from PIL import Image

        def naive() -> None:
            for f in files:
                np.asarray(Image.open(f).convert("RGB").resize((128, 128)))
        return timed(naive, len(files))
    from zoo.data.pipeline import Pipeline
    from zoo.datasets.voc import voc

    data = voc(str(raccoon), "annotations", "images", "", "", "", "largest", 0.0, 0.0, 0, False, False)
    threads = workers if name == "zoo_jpeg" else 0
    # hold=0: every pass decodes (a held split would make the timed pass a gather from memory)
    pipe = Pipeline(data, np.arange(len(data)), (128, 128), 32, workers=threads, hold=0)
    return timed(lambda: [b for b in pipe.batches(0)], len(data))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raccoon", type=Path, default=DEFAULT_RACCOON)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps({"name": args.measure, "images_per_s": measure(args.measure, args.raccoon.resolve(),
                                                                         args.workers)}))
        return 0
    names = ["seed_blobs", "zoo_blobs"]
    if (args.raccoon / "images").is_dir():
        names += ["naive_pil", "zoo_jpeg_1thread", "zoo_jpeg"]
    else:
        print(f"raccoon images absent at {args.raccoon}: skipping the JPEG measurements (set --raccoon)")
    rates: dict[str, float] = {}
    for name in names:
        cmd = [sys.executable, str(HERE), "--measure", name, "--raccoon", str(args.raccoon),
               "--workers", str(args.workers)]
        line = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        rates[name] = json.loads(line)["images_per_s"]
        print(f"{name:18s} {rates[name]:10.1f} images/s")
    print(f"(a) blobs vs seed synthetic_gen: {rates['zoo_blobs'] / rates['seed_blobs']:.0f}x")
    if "zoo_jpeg" in rates:
        print(f"(b) JPEG 128 px, draft + {args.workers} threads vs naive PIL: "
              f"{rates['zoo_jpeg'] / rates['naive_pil']:.2f}x (draft alone, 1 thread: "
              f"{rates['zoo_jpeg_1thread'] / rates['naive_pil']:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

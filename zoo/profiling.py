"""Speed and size of a trained run, measured through the framework adapter's public API, so the
figures of both frameworks come from the same code (run each framework in its own process)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from zoo import runs
from zoo.errors import ZooError
from zoo.registry import Registry
from zoo.evaluation import load_run


def latency(engine: Any, model: Any, size: tuple[int, int], batch_size: int, repeats: int = 10) -> float:
    """Median seconds of one `predict` call on a random uint8 batch (after two warm-up calls)."""
    batch = np.random.default_rng(0).integers(0, 256, (batch_size, *size, 3), dtype=np.uint8)
    for _ in range(2):
        engine.predict(model, [batch])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        engine.predict(model, [batch])
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def profile(run_dir: str | Path, reg: Registry, repeats: int = 10, nproc: int | None = None) -> dict[str, Any]:
    """Parameters, FLOPs (when the framework can count them), train images/s (summed over the
    run's `world_size` processes) and inference latency (one process). `nproc`, when given, must be
    the world size the run was trained at (ZooError otherwise)."""
    world_size = int(runs.read_run(runs.check_run(run_dir)).get("world_size", 1))
    if nproc is not None and nproc != world_size:
        raise ZooError(f"--nproc {nproc}: {str(run_dir)!r} was trained on {world_size} process(es); its train "
                       f"images/s are for that world size. Train it with --nproc {nproc}, or omit --nproc")
    plan, model, engine = load_run(run_dir, reg)
    summary = engine.summary(model, plan)
    history = runs.read_json(Path(run_dir) / runs.HISTORY) if (Path(run_dir) / runs.HISTORY).exists() else []
    speeds = [h["images_per_second"] for h in history if "images_per_second" in h]
    flops = getattr(engine, "flops", None)
    return {
        "framework": plan.framework,
        "device": engine.device(),
        "world_size": world_size,
        "params": summary.params,
        "trainable": summary.trainable,
        "flops": flops(model, plan) if callable(flops) else None,
        "train_images_per_second": float(np.median(speeds)) if speeds else None,
        "latency_ms_batch1": 1000 * latency(engine, model, plan.input_size, 1, repeats),
        "latency_ms_batch32": 1000 * latency(engine, model, plan.input_size, 32, max(3, repeats // 3)),
    }

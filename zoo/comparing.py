"""``zoo compare``: one recipe on several frameworks, each trained and profiled in its own
process on the same data in the same order with the same seeds, then reported side by side
(Markdown, JSON and a PNG of the learning curves)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from zoo import runs
from zoo.errors import ZooError

ROWS = [  # (label, key in the per-framework result, format)
    ("parameters", "params", "{:,}"),
    ("FLOPs (per image)", "flops", "{:,.0f}"),
    ("processes (world size)", "world_size", "{}"),
    ("train images/s", "train_images_per_second", "{:.1f}"),
    ("inference ms, batch 1", "latency_ms_batch1", "{:.2f}"),
    ("inference ms, batch 32", "latency_ms_batch32", "{:.1f}"),
    ("train seconds", "train_seconds", "{:.0f}"),
    ("epochs (best)", "epochs_text", "{}"),
    ("test mean IoU", "iou", "{:.3f}"),
    ("test CorLoc", "corloc", "{:.3f}"),
    ("test accuracy", "accuracy", "{:.3f}"),
    ("mean-box baseline IoU", "baseline_iou", "{:.3f}"),
    ("mean-box baseline CorLoc", "baseline_corloc", "{:.3f}"),
]


def _zoo(args: list[str], log: Path) -> None:
    """Run ``python -m zoo ARGS`` in a fresh process, its output to `log` (and echoed)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log, "w") as f:
        proc = subprocess.Popen([sys.executable, "-m", "zoo", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=env)
        assert proc.stdout is not None
        for line in proc.stdout:
            f.write(line)
            print(line, end="", flush=True)
        if proc.wait() != 0:
            raise ZooError(f"`zoo {' '.join(args)}` failed (exit {proc.returncode}); see {log}")


def compare(recipe: str, frameworks: list[str], out: Path, epochs: int | None = None,
            overrides: tuple[str, ...] = (), recipe_files: tuple[str, ...] = (), nproc: int = 1) -> dict[str, Any]:
    """Train and profile `recipe` on each framework (each on `nproc` processes); write report.md,
    report.json, curves.png."""
    out.mkdir(parents=True, exist_ok=True)
    extra = [a for f in recipe_files for a in ("--recipes", f)] + [a for o in overrides for a in ("--set", o)]
    if epochs is not None:
        extra += ["--epochs", str(epochs)]
    results: dict[str, dict[str, Any]] = {}
    histories = {}
    for fw in frameworks:
        run_dir = out / fw
        if (run_dir / runs.METRICS).exists():
            print(f"[{fw}] reusing the finished run in {run_dir}")
        else:
            start = time.perf_counter()
            _zoo(["train", recipe, "--framework", fw, "--out", str(run_dir), "--nproc", str(nproc), *extra],
                 out / f"train-{fw}.log")
            print(f"[{fw}] trained in {time.perf_counter() - start:.0f} s")
        _zoo(["profile", str(run_dir), "--nproc", str(nproc), "--out", str(out / f"profile-{fw}.json")],
             out / f"profile-{fw}.log")
        metrics = runs.read_json(run_dir / runs.METRICS)
        prof = runs.read_json(out / f"profile-{fw}.json")
        results[fw] = {**prof, **{k: metrics.get(k) for k in ("iou", "corloc", "accuracy", "top1_loc", "n")},
                       "baseline_iou": metrics["baseline"]["iou"], "baseline_corloc": metrics["baseline"]["corloc"],
                       "train_seconds": metrics["train_seconds"],
                       "epochs_text": f"{metrics['epochs']} ({metrics['best_epoch']})", "run": str(run_dir)}
        histories[fw] = runs.read_json(run_dir / runs.HISTORY)
    report = {"recipe": recipe, "frameworks": frameworks, "overrides": list(overrides), "epochs": epochs,
              "world_size": nproc, "results": results}
    if len(frameworks) >= 2:
        ious = [results[f]["iou"] for f in frameworks]
        report["iou_spread"] = max(ious) - min(ious)
    runs.write_json(out / "report.json", report)
    (out / "report.md").write_text(markdown(report))
    from zoo import plots

    plots.curves([], out / "curves.png", title=f"{recipe}: " + " vs ".join(frameworks), others=histories)
    return report


def changes(report: dict[str, Any]) -> list[str]:
    """The recipe changes of a comparison: its ``--set`` overrides and ``--epochs``."""
    return [*report["overrides"], *([f"train.epochs={report['epochs']}"] if report.get("epochs") is not None else [])]


def markdown(report: dict[str, Any]) -> str:
    fws = report["frameworks"]
    res = report["results"]
    lines = [f"# zoo compare: {report['recipe']}", "",
             f"Overrides: {', '.join(changes(report)) or 'none'}; each framework trained "
             + (f"on {report.get('world_size', 1)} processes (world size {report.get('world_size', 1)}, the "
                "recipe's batch_size global)" if report.get("world_size", 1) > 1 else "in its own process (world size 1)")
             + " on the same data, order and seeds.", "",
             "| | " + " | ".join(fws) + " |", "|---|" + "---|" * len(fws)]
    for label, key, fmt in ROWS:
        cells = [fmt.format(res[f][key]) if res[f].get(key) is not None else "-" for f in fws]
        if all(c == "-" for c in cells):
            continue
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    devices = ", ".join(f"{f} on {res[f]['device']}" for f in fws)
    lines += ["", f"Devices: {devices}."]
    if "iou_spread" in report:
        lines.append(f"Test IoU spread between frameworks: {report['iou_spread']:.3f}.")
    lines += ["", "![learning curves](curves.png)", ""]
    return "\n".join(lines)

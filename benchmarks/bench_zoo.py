"""The zoo's results table: every registered backbone on each installed framework, trained with one
fixed small recipe on a built-in set, through ``zoo compare`` (each framework trains and is
profiled in its own process on the same data, order and seeds).

    python benchmarks/bench_zoo.py [--quick] [--backbones a,b] [--frameworks torch,keras]
                                   [--data blobs] [--size 64] [--n 1024] [--epochs 4]
                                   [--skip vgg16,resnet50] [--out DIR] [--doc docs/results.md]

Writes ``DIR/results.csv`` and the Markdown table (one per dataset, frameworks side by side) to
``--doc``. A row is flagged when its test IoU does not beat the mean-box baseline by `MARGIN`;
backbones in ``--skip`` are listed as not run, with the reason. ``--quick``: 32 px, 64 items,
1 epoch, simple_cnn and resnet18 (the test's mode; its figures mean nothing).
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

from zoo import comparing, plugins

#: how far above the mean-box baseline's test IoU a row must be not to be flagged
MARGIN = 0.10
SKIP_REASON = "not run: too slow for a 2-core CPU budget"
COLUMNS = ["dataset", "backbone", "framework", "params", "flops", "train_images_per_second",
           "latency_ms_batch1", "latency_ms_batch32", "iou", "corloc", "baseline_iou", "baseline_corloc",
           "beats_baseline", "note"]


def installed(kind: str = "backbone") -> tuple[list[str], list[str]]:
    """(backbone names, frameworks) registered by the installed plugins."""
    entries = [e for e in plugins.registry().entries(kind) if e.framework != "neutral"]
    return sorted({e.name for e in entries}), sorted({e.framework for e in entries})


def run_one(backbone: str, frameworks: list[str], args: argparse.Namespace, out: Path) -> list[dict[str, Any]]:
    """Train and profile `backbone` with the fixed recipe on each framework: one CSV row each."""
    overrides = (f"backbone.name={backbone}", f"input_size={args.size}", f"dataset.name={args.data}",
                 f"dataset.size={args.size}", f"dataset.n={args.n}")
    report = comparing.compare("default", frameworks, out / f"{args.data}-{backbone}", epochs=args.epochs,
                               overrides=overrides)
    rows = []
    for fw in frameworks:
        r = report["results"][fw]
        beats = r["iou"] - r["baseline_iou"] >= MARGIN
        rows.append({**{k: r.get(k) for k in COLUMNS}, "dataset": args.data, "backbone": backbone, "framework": fw,
                     "beats_baseline": beats,
                     "note": "" if beats else f"FLAG: does not beat the baseline by {MARGIN}"})
    return rows


def _fmt(row: dict[str, Any] | None, key: str, fmt: str) -> str:
    return fmt.format(row[key]) if row and row.get(key) not in (None, "") else "-"


def markdown(rows: list[dict[str, Any]], frameworks: list[str], args: argparse.Namespace, machine: str) -> str:
    lines = ["# Results", "",
             f"`python benchmarks/bench_zoo.py {' '.join(sys.argv[1:])}` on {machine}. Recipe: `default` with "
             f"the backbone swapped, {args.size} px, {args.n} items of the built-in set, {args.epochs} epoch(s), "
             f"Adam 1e-3 cosine; test split. A row is flagged when its test IoU is not at least {MARGIN} above "
             "the mean-box baseline's. Speeds were taken on a shared machine: compare within a row.", ""]
    for data in sorted({r["dataset"] for r in rows}):
        lines += [f"## {data}", "",
                  "| backbone | params | FLOPs/image | " + " | ".join(
                      f"{fw} img/s | {fw} ms b1 | {fw} ms b32 | {fw} IoU | {fw} CorLoc" for fw in frameworks)
                  + " | baseline IoU | note |",
                  "|---|---|---|" + "---|" * (5 * len(frameworks)) + "---|---|"]
        for backbone in sorted({r["backbone"] for r in rows if r["dataset"] == data}):
            mine = {r["framework"]: r for r in rows if r["dataset"] == data and r["backbone"] == backbone}
            first = next(iter(mine.values()))
            cells = [backbone, _fmt(first, "params", "{:,}"), _fmt(first, "flops", "{:,.0f}")]
            for fw in frameworks:
                r = mine.get(fw)
                cells += [_fmt(r, "train_images_per_second", "{:.0f}"), _fmt(r, "latency_ms_batch1", "{:.1f}"),
                          _fmt(r, "latency_ms_batch32", "{:.0f}"), _fmt(r, "iou", "{:.3f}"),
                          _fmt(r, "corloc", "{:.3f}")]
            notes = sorted({f"{fw}: {r['note']}" if r["note"].startswith("FLAG") else r["note"]
                            for fw, r in mine.items() if r["note"]})
            cells += [_fmt(first, "baseline_iou", "{:.3f}"), "; ".join(notes)]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backbones", default="")
    parser.add_argument("--frameworks", default="")
    parser.add_argument("--data", default="blobs")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--skip", default="vgg16,resnet50,efficientnet_lite1,efficientnet_lite2")
    parser.add_argument("--out", type=Path, default=Path("runs/bench_zoo"))
    parser.add_argument("--doc", type=Path, default=Path("docs/results.md"))
    args = parser.parse_args(argv)
    names, fws = installed()
    if args.quick:
        args.size, args.n, args.epochs = 32, 64, 1
        args.backbones = args.backbones or "simple_cnn,resnet18"
    backbones = args.backbones.split(",") if args.backbones else names
    frameworks = args.frameworks.split(",") if args.frameworks else fws
    unknown = sorted(set(backbones) - set(names)) + sorted(set(frameworks) - set(fws))
    if unknown:
        parser.error(f"not installed: {', '.join(unknown)}; installed backbones {', '.join(names)}, "
                     f"frameworks {', '.join(fws)}")
    skip = set(args.skip.split(",")) if args.skip else set()
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for backbone in backbones:
        if backbone in skip:
            rows += [{"dataset": args.data, "backbone": backbone, "framework": fw, "beats_baseline": "",
                      "note": SKIP_REASON} for fw in frameworks]
            continue
        start = time.perf_counter()
        rows += run_one(backbone, frameworks, args, args.out)
        print(f"[bench_zoo] {backbone}: {time.perf_counter() - start:.0f} s", flush=True)
    with open(args.out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows({k: r.get(k, "") for k in COLUMNS} for r in rows)
    import platform

    machine = f"{platform.processor() or platform.machine()}, {__import__('os').cpu_count()} CPUs"
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(markdown(rows, frameworks, args, machine))
    print(f"[bench_zoo] wrote {args.out / 'results.csv'} and {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

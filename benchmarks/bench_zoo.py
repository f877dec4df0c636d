"""The zoo's results table: every registered backbone on each installed framework, trained with one
fixed small recipe on built-in sets, through ``zoo compare`` (each framework trains and is
profiled in its own process on the same data, order and seeds).

    python benchmarks/bench_zoo.py [--quick] [--backbones a,b] [--frameworks torch,keras]
                                   [--data shapes,cats] [--size 48] [--n 640] [--epochs 4]
                                   [--pretrained efficientnet_lite0,...] [--out DIR] [--doc docs/results.md]

The recipe is ``default`` with the backbone swapped and `BENCH_RECIPE` on top (the same for every
trunk; see docs/results.md for why). Writes ``DIR/results.csv`` and the Markdown table (one per
dataset, frameworks side by side) to ``--doc`` after every backbone, so an interrupted run keeps
what it measured; finished trainings are reused on a re-run. A row is flagged when its test IoU does
not beat the mean-box baseline by `MARGIN`; a flagged row carries the reason from `WHY` when one
is known (tests/test_bench_zoo.py fails on a flagged row of docs/results.md without one).
``--pretrained NAMES`` adds rows for those backbones with ``backbone.weights=imagenet``.
``--quick``: 32 px, 64 items, 1 epoch, simple_cnn and resnet18 on shapes (the test's mode; its
figures mean nothing).
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any

from zoo import comparing, plugins, runs

#: how far above the mean-box baseline's test IoU a row must be not to be flagged
MARGIN = 0.10
#: a flagged run whose training loss fell by less than this share of its first epoch's is
#: under-trained (`diagnose`)
SLOW_LOSS = 0.25
#: extra recipe settings per built-in dataset
DATASETS: dict[str, tuple[str, ...]] = {"shapes": (), "cats": ("dataset.background=natural",), "blobs": ()}
#: the fixed recipe on top of `default` (backbone, input size and dataset set per row): the `vote`
#: vectorizer (each cell of the map votes for a box; no sigmoid to saturate over a wide trunk, and
#: the same weights read every cell), Adam 1e-3 for every layer, batch 8 (docs/results.md)
BENCH_RECIPE: tuple[str, ...] = (
    "vectorizer={name: vote, filters: 64}",
    "head={name: box, encoding: xyxy, activation: linear, dense: false}",
    "train.batch_size=8",
)
#: why a flagged row cannot beat its baseline, by (dataset, backbone label); measured, see docs/results.md
WHY: dict[tuple[str, str], str] = {}
PRETRAINED_SUFFIX = "+imagenet"
COLUMNS = ["dataset", "backbone", "framework", "params", "flops", "train_images_per_second",
           "latency_ms_batch1", "latency_ms_batch32", "iou", "corloc", "baseline_iou", "baseline_corloc",
           "train_seconds", "beats_baseline", "note"]


def installed(kind: str = "backbone") -> tuple[list[str], list[str]]:
    """(backbone names, frameworks) registered by the installed plugins."""
    entries = [e for e in plugins.registry().entries(kind) if e.framework != "neutral"]
    return sorted({e.name for e in entries}), sorted({e.framework for e in entries})


def diagnose(history: list[dict[str, Any]]) -> str | None:
    """Why a run ended near its baseline, read from its per-epoch curves: validation IoU flat from
    the first epoch (the output collapsed); at its best at the end and still rising in the second
    half of the schedule (the budget ran out first); or the training loss barely down, by less
    than `SLOW_LOSS` of where it started (the budget ran out before the network learned); None
    when the curves show none of these."""
    ious = [float(h["val_iou"]) for h in history if h.get("val_iou") is not None]
    if len(ious) < 2:
        return None
    curve = " -> ".join(f"{v:.3f}" for v in ious)
    if max(ious) - min(ious) < 0.005:
        return f"collapsed: validation IoU flat over {len(ious)} epochs ({curve})"
    if ious[-1] >= max(ious) - 0.002 and ious[-1] > ious[(len(ious) - 1) // 2] + 0.002:
        return f"under-trained in this budget: validation IoU still rising in the second half ({curve})"
    losses = [float(h["loss"]) for h in history if h.get("loss") is not None]
    if len(losses) >= 2 and losses[0] > 0 and losses[-1] > (1 - SLOW_LOSS) * losses[0]:
        return (f"under-trained in this budget: the training loss fell only "
                f"{100 * (1 - losses[-1] / losses[0]):.0f} % over {len(losses)} epochs "
                f"({losses[0]:.3f} -> {losses[-1]:.3f}; validation IoU {curve})")
    return None


def flag_note(dataset: str, label: str, beats: bool, history: list[dict[str, Any]] | None = None) -> str:
    """'' for a row that beats its baseline; otherwise 'FLAG: ...' and, when known (`WHY`, else
    the run's validation curve), 'why: ...'."""
    if beats:
        return ""
    why = WHY.get((dataset, label)) or diagnose(history or [])
    return f"FLAG: not {MARGIN} above the baseline" + (f"; why: {why}" if why else "")


def run_one(label: str, data: str, frameworks: list[str], args: argparse.Namespace, out: Path) -> list[dict[str, Any]]:
    """Train and profile one backbone (`label`: its name, or name+imagenet) with the fixed recipe on
    each framework: one CSV row each."""
    backbone = label.removesuffix(PRETRAINED_SUFFIX)
    overrides = (f"backbone.name={backbone}", *(("backbone.weights=imagenet",) if label != backbone else ()),
                 f"input_size={args.size}", f"dataset.name={data}", f"dataset.size={args.size}",
                 f"dataset.n={args.n}", *DATASETS.get(data, ()), *BENCH_RECIPE)
    report = comparing.compare("default", frameworks, out / f"{data}-{label}", epochs=args.epochs,
                               overrides=overrides)
    rows = []
    for fw in frameworks:
        r = report["results"][fw]
        beats = r["iou"] - r["baseline_iou"] >= MARGIN
        rows.append({**{k: r.get(k) for k in COLUMNS}, "dataset": data, "backbone": label, "framework": fw,
                     "beats_baseline": beats,
                     "note": flag_note(data, label, beats, runs.read_json(Path(r["run"]) / runs.HISTORY))})
    return rows


def _fmt(row: dict[str, Any] | None, key: str, fmt: str) -> str:
    return fmt.format(float(row[key])) if row and row.get(key) not in (None, "") else "-"


def machine() -> str:
    """The CPU's model name and the cores this process may use."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            name = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{name}, {cores} core(s) of {os.cpu_count()}"


def markdown(rows: list[dict[str, Any]], frameworks: list[str], args: argparse.Namespace, host: str) -> str:
    recipe = ", ".join(f"`{s}`" for s in BENCH_RECIPE)
    lines = ["# Results", "",
             (f"`python benchmarks/bench_zoo.py {' '.join(sys.argv[1:])}` on {host}. Recipe: `default` "
             f"with the backbone swapped and {recipe}; {args.size} px, {args.n} items of each built-in set "
             f"(80/10/10 split), {args.epochs} epoch(s), from scratch unless the backbone says `+imagenet`; "
             f"test split. `cats` is on natural backgrounds. A row is flagged when its test IoU is not at "
             f"least {MARGIN} above the mean-box baseline's; a flagged row says why when that is known. "
             "Speeds were taken on one CPU core shared with other jobs: compare within a row, not across "
             "tables or sessions."), ""]
    for data in sorted({r["dataset"] for r in rows}, key=lambda d: list(DATASETS).index(d) if d in DATASETS else 99):
        lines += [f"## {data}", "",
                  "| backbone | params | FLOPs/image | " + " | ".join(
                      f"{fw} img/s | {fw} ms b1 | {fw} ms b32 | {fw} IoU | {fw} CorLoc" for fw in frameworks)
                  + " | baseline IoU | note |",
                  "|---|---|---|" + "---|" * (5 * len(frameworks)) + "---|---|"]
        labels = list(dict.fromkeys(r["backbone"] for r in rows if r["dataset"] == data))
        for label in labels:
            mine = {r["framework"]: r for r in rows if r["dataset"] == data and r["backbone"] == label}
            first = next(iter(mine.values()))
            cells = [label, _fmt(first, "params", "{:,.0f}"), _fmt(first, "flops", "{:,.0f}")]
            for fw in frameworks:
                r = mine.get(fw)
                cells += [_fmt(r, "train_images_per_second", "{:.0f}"), _fmt(r, "latency_ms_batch1", "{:.1f}"),
                          _fmt(r, "latency_ms_batch32", "{:.0f}"), _fmt(r, "iou", "{:.3f}"),
                          _fmt(r, "corloc", "{:.3f}")]
            notes = [f"{fw}: {r['note']}" for fw, r in mine.items() if r.get("note")]
            cells += [_fmt(first, "baseline_iou", "{:.3f}"), "; ".join(notes)]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _number(cell: str) -> float | None:
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return None


def tables(text: str) -> dict[str, list[dict[str, str]]]:
    """The tables of a results document: dataset -> rows (column header -> cell)."""
    out: dict[str, list[dict[str, str]]] = {}
    data, header = "", []
    for line in text.splitlines():
        if line.startswith("## "):
            data, header = line[3:].strip(), []
        elif data and line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not header:
                header = cells
            else:
                out.setdefault(data, []).append(dict(zip(header, cells)))
    return out


def doc_problems(text: str, datasets: list[str], backbones: list[str], frameworks: list[str]) -> list[str]:
    """What breaks the table's rule in a results document: a dataset or backbone missing, or a row
    (per framework) that neither beats its baseline by `MARGIN` nor says why; a row flagged although
    its figures beat the baseline."""
    problems = []
    found = tables(text)
    for data in datasets:
        rows = {r.get("backbone", ""): r for r in found.get(data, [])}
        problems += [f"{data}: no row for {b}" for b in backbones if b not in rows]
        for label, row in rows.items():
            base = _number(row.get("baseline IoU", "-"))
            note = row.get("note", "")
            for fw in frameworks:
                iou = _number(row.get(f"{fw} IoU", "-"))
                flagged = f"{fw}: FLAG" in note
                beats = iou is not None and base is not None and iou - base >= MARGIN - 5e-4
                said = re.search(rf"{fw}: FLAG[^;|]*; why: \S", note) is not None
                if not beats and not said:
                    problems.append(f"{data} {label} {fw}: IoU {row.get(f'{fw} IoU')} against baseline "
                                    f"{row.get('baseline IoU')} and no 'why' in its note")
                if beats and flagged:
                    problems.append(f"{data} {label} {fw}: flagged although it beats the baseline")
    return problems


def write(rows: list[dict[str, Any]], frameworks: list[str], args: argparse.Namespace) -> None:
    """The CSV and the Markdown table of what has been measured so far."""
    with open(args.out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows({k: r.get(k, "") for k in COLUMNS} for r in rows)
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(markdown(rows, frameworks, args, machine()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backbones", default="")
    parser.add_argument("--frameworks", default="")
    parser.add_argument("--data", default="shapes,cats")
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--n", type=int, default=640)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--pretrained", default="", help="backbones to add with backbone.weights=imagenet")
    parser.add_argument("--out", type=Path, default=Path("runs/bench_zoo"))
    parser.add_argument("--doc", type=Path, default=Path("docs/results.md"))
    args = parser.parse_args(argv)
    names, fws = installed()
    if args.quick:
        args.size, args.n, args.epochs, args.data = 32, 64, 1, "shapes"
        args.backbones = args.backbones or "simple_cnn,resnet18"
    backbones = args.backbones.split(",") if args.backbones else names
    pretrained = args.pretrained.split(",") if args.pretrained else []
    frameworks = args.frameworks.split(",") if args.frameworks else fws
    datasets = args.data.split(",")
    unknown = sorted(set(backbones + pretrained) - set(names)) + sorted(set(frameworks) - set(fws))
    if unknown:
        parser.error(f"not installed: {', '.join(unknown)}; installed backbones {', '.join(names)}, "
                     f"frameworks {', '.join(fws)}")
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for label in backbones + [p + PRETRAINED_SUFFIX for p in pretrained]:
        for data in datasets:
            start = time.perf_counter()
            rows += run_one(label, data, frameworks, args, args.out)
            print(f"[bench_zoo] {data} {label}: {time.perf_counter() - start:.0f} s", flush=True)
            write(rows, frameworks, args)
    print(f"[bench_zoo] wrote {args.out / 'results.csv'} and {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""zoo's training speed against hand-written code of the same architecture, in one run.

    taskset -c 1 python benchmarks/bench_speed.py [--cases default,resnet18,mobilenet_v2]
        [--precisions fp32,bf16] [--frameworks torch,keras] [--rounds 3] [--epochs N]

For every case (the `default` recipe, and resnet18 at 128 px / mobilenet_v2 at 96 px swapped
into it: `speed_cases.py`), each round runs every precision and framework in turn, and for each
of them, each in its own process: zoo (`zoo.training.train`, what ``zoo train`` runs, with its own data pipeline and
``--workers`` default), then the hand-written model (`hand_torch.py`, `hand_keras.py`) on the same
train items. A process's rate is the images/s of its fastest epoch after the first (warm-up):
other jobs on a shared machine only ever slow an epoch down, so, as `timeit` takes the fastest
repeat, the fastest epoch is the estimate least moved by them. Each case sets its epochs per
process (`speed_cases.Case.epochs`: short epochs get more of them). A cell's rate is the median
over the rounds. A ratio (zoo / hand-written, torch / Keras, bf16 / fp32) is the median over the
rounds of the ratio of two processes of one round, run one after the other, so that load drifting
over minutes cancels.

Prints the machine, one line per cell, the parameter counts (zoo and hand-written must be
equal), the ratios zoo / hand-written and zoo torch / zoo Keras, each with its per-round values.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from speed_cases import CASES, recipe  # noqa: E402


def zoo_worker(case: str, framework: str, precision: str, epochs: int) -> None:
    """Train the case with zoo in this process; print the epochs' images/s and the parameters."""
    if framework == "torch":
        import torch  # noqa: F401 - torch before TensorFlow, as the guide asks
    from zoo.plugins import registry
    from zoo.training import train

    with tempfile.TemporaryDirectory() as tmp:
        run = train(recipe(CASES[case], epochs, precision), framework, registry(), out=Path(tmp) / "run")
        history = json.loads((run / "history.json").read_text())
        metrics = json.loads((run / "metrics.json").read_text())
    threads = None
    if framework == "torch":
        import torch

        threads = torch.get_num_threads()
    print(json.dumps({"rates": [h["images_per_second"] for h in history], "params": metrics["params"],
                      "threads": threads}))


def run_worker(cmd: list[str]) -> dict | None:
    proc = subprocess.run([sys.executable, *cmd], capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  failed: {' '.join(cmd)}: {tail}", flush=True)
        return None
    out = json.loads(lines[-1])
    out["rate"] = max(out["rates"][1:] or out["rates"])  # the fastest epoch after the warm-up
    return out


def variants(framework: str) -> dict[str, list[str]]:
    """Worker label -> arguments (after the case and precision) for one framework."""
    if framework == "torch":
        return {"zoo": [str(HERE / "bench_speed.py"), "--worker", "zoo", "--frameworks", "torch"],
                "hand": [str(HERE / "hand_torch.py")]}
    return {"zoo": [str(HERE / "bench_speed.py"), "--worker", "zoo", "--frameworks", "keras"],
            "hand": [str(HERE / "hand_keras.py")]}


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--frameworks", default="torch,keras")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, help="per process, the first a warm-up (default: the case's)")
    parser.add_argument("--worker", choices=("zoo",), help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--precision", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        zoo_worker(args.case, args.frameworks, args.precision, args.epochs)
        return
    for flag, given, valid in (("--cases", args.cases, CASES), ("--precisions", args.precisions, ("fp32", "bf16")),
                               ("--frameworks", args.frameworks, ("torch", "keras"))):
        unknown = [v for v in given.split(",") if v not in valid]
        if unknown:
            parser.error(f"{flag} {','.join(unknown)}: not one of {', '.join(valid)}")
    print(f"CPU: {cpu_name()}; cores available to this process: {len(os.sched_getaffinity(0))}; "
          f"{args.rounds} rounds; a process's rate: its fastest epoch after the first", flush=True)
    results: dict[tuple[str, str, str, str], dict] = {}
    for case in args.cases.split(","):
        epochs = args.epochs or CASES[case].epochs
        cells = [(p, f, label, cmd) for p in args.precisions.split(",") for f in args.frameworks.split(",")
                 for label, cmd in variants(f).items()]
        runs: dict[tuple[str, str, str], list[dict | None]] = {(p, f, label): [] for p, f, label, _ in cells}
        for _ in range(args.rounds):  # one round: every precision, framework and side in turn
            for precision, framework, label, cmd in cells:
                out = run_worker([*cmd, "--case", case, "--precision", precision, "--epochs", str(epochs)])
                runs[(precision, framework, label)].append(out)  # None for a failed process
                if out is not None:
                    print(f"  {case} {precision} {framework} {label}: {out['rate']:.1f} img/s "
                          f"(epochs {[round(r) for r in out['rates']]})", flush=True)
        for (precision, framework, label), outs in runs.items():
            done = [o for o in outs if o is not None]
            if done:
                cell = {"rate": statistics.median(o["rate"] for o in done), "params": done[0]["params"],
                        "threads": done[0]["threads"], "rounds": [o and round(o["rate"], 1) for o in outs]}
                results[(case, precision, framework, label)] = cell
                print(f"{case:<13} {precision} {framework:<6} {label:<5} {cell['rate']:8.1f} img/s  "
                      f"rounds {cell['rounds']}  params {cell['params']:,}  threads {cell['threads']}", flush=True)
    report(results, args)


def paired(a: dict, b: dict) -> tuple[float, list[float]]:
    """The median over rounds of a's rate / b's rate in the same round, and the per-round ratios."""
    ratios = [x / y for x, y in zip(a["rounds"], b["rounds"]) if x and y]
    return (statistics.median(ratios) if ratios else float("nan")), [round(r, 2) for r in ratios]


def report(results: dict[tuple[str, str, str, str], dict], args: argparse.Namespace) -> None:
    print("\nzoo / hand-written (target >= 0.98; median of the rounds' ratios, then each round's)")
    for case in args.cases.split(","):
        for precision in args.precisions.split(","):
            for framework in args.frameworks.split(","):
                zoo = results.get((case, precision, framework, "zoo"))
                hands = [v for (c, p, f, label), v in results.items()
                         if (c, p, f) == (case, precision, framework) and label.startswith("hand")]
                if zoo is None or not hands:
                    continue
                best = max(hands, key=lambda h: h["rate"])
                same = "equal" if all(h["params"] == zoo["params"] for h in hands) else \
                    f"DIFFER ({zoo['params']:,} vs {[h['params'] for h in hands]})"
                ratio, per_round = paired(zoo, best)
                print(f"{case:<13} {precision} {framework:<6} {ratio:.2f}  {per_round}  params {same}")
    print("\nzoo torch / zoo Keras (target on default: >= 0.9)")
    for case in args.cases.split(","):
        for precision in args.precisions.split(","):
            t, k = (results.get((case, precision, fw, "zoo")) for fw in ("torch", "keras"))
            if t and k:
                ratio, per_round = paired(t, k)
                print(f"{case:<13} {precision} {ratio:.2f}  {per_round}")
    print("\nbf16 / fp32 (zoo)")
    for case in args.cases.split(","):
        for framework in args.frameworks.split(","):
            a, b = (results.get((case, p, framework, "zoo")) for p in ("bf16", "fp32"))
            if a and b:
                ratio, per_round = paired(a, b)
                print(f"{case:<13} {framework:<6} {ratio:.2f}  {per_round}")


if __name__ == "__main__":
    main()

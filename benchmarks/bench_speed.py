"""zoo's training speed against hand-written code of the same architecture, in one run.

    taskset -c 1 python benchmarks/bench_speed.py [--cases default,resnet18,mobilenet_v2]
        [--precisions fp32,bf16] [--frameworks torch,keras] [--rounds 3] [--epochs N]

For every case (the `default` recipe, and resnet18 at 128 px / mobilenet_v2 at 96 px swapped
into it: `speed_cases.py`) and every precision and framework, two workers train, each in its own
process: zoo (`zoo.training.train`, what ``zoo train`` runs, with its own data pipeline and
``--workers`` default) and the hand-written model (`hand_torch.py`, `hand_keras.py`) on the same
train items. All the workers of a case start together and run in lockstep: after its first epoch
(the warm-up, not counted) each one waits, and the driver lets them train one epoch at a time in
turn (zoo torch fp32, hand torch fp32, zoo Keras fp32, ... and back in reverse order), so that
while one trains the others sleep, and any two of them are timed within seconds of each other.
On a shared VM the speed of one core drifts by 20-30 % over minutes; epochs timed back to back
see the same machine, which separate processes minutes apart do not.

A ratio (zoo / hand-written, torch / Keras, bf16 / fp32) is the median, over every epoch of every
round, of the two workers' images/s in that epoch; a worker's rate is the median of its epochs.
Each round starts fresh processes (`--rounds`); epochs per process: `speed_cases.Case.epochs`
(`--epochs` overrides).

Prints the machine, one line per worker per round with its epochs, the parameter counts (zoo and
hand-written must be equal), and the ratios zoo / hand-written, zoo torch / zoo Keras and zoo's
bf16 / fp32, each with its per-round medians and its lowest and highest epoch.
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
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from speed_cases import CASES, EPOCH_MARK, recipe, take_turn  # noqa: E402

Key = tuple[str, str, str]  # (precision, framework, "zoo" | "hand")


def zoo_worker(case: str, framework: str, precision: str, epochs: int, lockstep: bool) -> None:
    """Train the case with zoo in this process; print the epochs' images/s and the parameters.
    In lockstep it takes its turns at the end of every epoch, where the monitor records it."""
    if framework == "torch":
        import torch  # noqa: F401 - torch before TensorFlow, as the guide asks
    from zoo.monitor import Monitor
    from zoo.plugins import registry
    from zoo.training import train

    record = Monitor.end_epoch

    def end_epoch(self: Monitor, epoch: int, logs: dict[str, float], outputs: Any) -> bool:
        stop = record(self, epoch, logs, outputs)
        take_turn(logs["images_per_second"], lockstep)
        return stop

    Monitor.end_epoch = end_epoch  # type: ignore[method-assign]  # the epoch boundary, outside the timed span
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


def command(framework: str, label: str) -> list[str]:
    """The worker's script and arguments (before the case, precision and epochs)."""
    if label == "zoo":
        return [str(HERE / "bench_speed.py"), "--worker", "zoo", "--frameworks", framework]
    return [str(HERE / f"hand_{framework}.py")]


class Worker:
    """One worker process in lockstep: `turn` lets it train one epoch and returns that epoch's
    images/s (None once the process has ended); `finish` lets it run to its end."""

    def __init__(self, key: Key, args: list[str]) -> None:
        self.key, self.args = key, args
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([sys.executable, *args, "--lockstep"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True,
                                     env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        self.rates: list[float] = []
        self.summary: dict | None = None

    def epoch(self) -> float | None:
        """Read on until the process reports its next epoch."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(EPOCH_MARK):
                self.rates.append(float(line[len(EPOCH_MARK):]))
                return self.rates[-1]
            if line.startswith("{"):
                self.summary = json.loads(line)
        return None

    def turn(self) -> float | None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return None
        return self.epoch()

    def finish(self) -> dict | None:
        """Close its stdin (no more waiting), wait for it; its summary, or None (printed why)."""
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        self.epoch()  # the rest of its output, up to its summary
        if self.proc.wait() != 0 or self.summary is None:
            self.stderr.seek(0)
            tail = (self.stderr.read().strip().splitlines() or ["no output"])[-1]
            print(f"  failed: {' '.join(self.args)}: {tail}", flush=True)
            return None
        return self.summary


def lockstep_round(argvs: dict[Key, list[str]], epochs: int) -> dict[Key, dict]:
    """One round: start every worker (`argvs`: its script and arguments), let each finish its
    warm-up epoch, then give each one epoch at a time, in order and then in reverse, `epochs` - 1
    times. Per worker: its timed epochs' images/s (the warm-up left out) and its summary's
    parameters and threads; a worker that failed is left out (and printed with its last error)."""
    workers = [Worker(key, argv) for key, argv in argvs.items()]
    alive = [w for w in workers if w.epoch() is not None]  # every warm-up done before any timed epoch
    for cycle in range(epochs - 1):
        for worker in list(alive if cycle % 2 == 0 else reversed(alive)):
            if worker.turn() is None:
                alive.remove(worker)
    out = {}
    for worker in workers:
        summary = worker.finish()
        if summary is not None:
            out[worker.key] = {"epochs": worker.rates[1:], "params": summary["params"], "threads": summary["threads"]}
    return out


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
    parser.add_argument("--lockstep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        zoo_worker(args.case, args.frameworks, args.precision, args.epochs, args.lockstep)
        return
    for flag, given, valid in (("--cases", args.cases, CASES), ("--precisions", args.precisions, ("fp32", "bf16")),
                               ("--frameworks", args.frameworks, ("torch", "keras"))):
        unknown = [v for v in given.split(",") if v not in valid]
        if unknown:
            parser.error(f"{flag} {','.join(unknown)}: not one of {', '.join(valid)}")
    if args.rounds < 1 or (args.epochs is not None and args.epochs < 2):
        parser.error(f"--rounds {args.rounds} / --epochs {args.epochs}: at least 1 round and 2 epochs "
                     "(the first is a warm-up)")
    print(f"CPU: {cpu_name()}; cores available to this process: {len(os.sched_getaffinity(0))}; "
          f"{args.rounds} rounds; the workers of a case train in lockstep, one epoch at a time", flush=True)
    keys = [(p, f, label) for p in args.precisions.split(",") for f in args.frameworks.split(",")
            for label in ("zoo", "hand")]
    results: dict[str, dict[Key, list[dict | None]]] = {}
    for case in args.cases.split(","):
        epochs = args.epochs or CASES[case].epochs
        rounds = results[case] = {k: [] for k in keys}
        for number in range(args.rounds):
            done = lockstep_round({k: [*command(k[1], k[2]), "--case", case, "--precision", k[0],
                                       "--epochs", str(epochs)] for k in keys}, epochs)
            for key in keys:
                rounds[key].append(done.get(key))
                if key in done:
                    print(f"  {case} round {number + 1} {' '.join(key)}: epochs "
                          f"{[round(r) for r in done[key]['epochs']]}", flush=True)
        for key, outs in rounds.items():
            got = [o for o in outs if o]
            if got:
                rate = statistics.median(r for o in got for r in o["epochs"])
                print(f"{case:<13} {key[0]} {key[1]:<6} {key[2]:<5} {rate:8.1f} img/s  params {got[0]['params']:,}  "
                      f"threads {got[0]['threads']}", flush=True)
    report(results, args)


def paired(a: list[dict | None], b: list[dict | None]) -> str:
    """'median  [per-round medians]  (lowest-highest epoch)' of a's / b's images/s, epoch by epoch."""
    per_round = [[x / y for x, y in zip(p["epochs"], q["epochs"])] for p, q in zip(a, b) if p and q]
    every = [r for ratios in per_round for r in ratios]
    if not every:
        return "n/a (a worker failed)"
    return (f"{statistics.median(every):.2f}  {[round(statistics.median(r), 2) for r in per_round if r]}  "
            f"({min(every):.2f}-{max(every):.2f})")


def report(results: dict[str, dict[Key, list[dict | None]]], args: argparse.Namespace) -> None:
    precisions, frameworks = args.precisions.split(","), args.frameworks.split(",")
    print("\nzoo / hand-written (target >= 0.98; median over epochs, then each round's, lowest-highest epoch)")
    for case, rounds in results.items():
        for precision in precisions:
            for framework in frameworks:
                zoo, hand = rounds[(precision, framework, "zoo")], rounds[(precision, framework, "hand")]
                params = {o["params"] for o in zoo + hand if o}
                same = "equal" if len(params) == 1 else f"DIFFER {sorted(params)}"
                print(f"{case:<13} {precision} {framework:<6} {paired(zoo, hand)}  params {same}")
    if set(frameworks) == {"torch", "keras"}:
        print("\nzoo torch / zoo Keras (target on default: >= 0.9)")
        for case, rounds in results.items():
            for precision in precisions:
                print(f"{case:<13} {precision} {paired(rounds[(precision, 'torch', 'zoo')], rounds[(precision, 'keras', 'zoo')])}")
    if set(precisions) == {"fp32", "bf16"}:
        print("\nbf16 / fp32 (zoo)")
        for case, rounds in results.items():
            for framework in frameworks:
                print(f"{case:<13} {framework:<6} {paired(rounds[('bf16', framework, 'zoo')], rounds[('fp32', framework, 'zoo')])}")


if __name__ == "__main__":
    main()

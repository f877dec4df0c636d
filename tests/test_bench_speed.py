"""benchmarks/bench_speed.py's lockstep driver: workers train one epoch at a time in turn, the
warm-up epoch is left out, ratios are taken epoch by epoch, and a failed worker is reported and
left out. Fake workers (plain Python, no framework) stand in for zoo and the hand-written code."""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FAKE = """
import json, sys, time
sys.path.insert(0, {benchmarks!r})
from speed_cases import take_turn
name, rate, log, fail = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4] == "fail"
for epoch in range({epochs}):
    with open(log, "a") as f:
        f.write(f"{{name}} {{epoch}} start {{time.monotonic()}}\\n")
    time.sleep(0.05)
    with open(log, "a") as f:
        f.write(f"{{name}} {{epoch}} end {{time.monotonic()}}\\n")
    if fail and epoch == 1:
        sys.exit("fake worker: out of memory")
    take_turn(rate * (epoch + 1), "--lockstep" in sys.argv)
print(json.dumps({{"rates": [], "params": 7, "threads": 1}}))
"""


def _bench():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("bench_speed", ROOT / "benchmarks" / "bench_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture
def fake(tmp_path: Path) -> tuple[Path, Path]:
    script = tmp_path / "fake_worker.py"
    script.write_text(FAKE.format(benchmarks=str(ROOT / "benchmarks"), epochs=4))
    return script, tmp_path / "log.txt"


def _spans(log: Path) -> list[tuple[str, int, float, float]]:
    starts, spans = {}, []
    for line in log.read_text().splitlines():
        name, epoch, what, when = line.split()
        if what == "start":
            starts[(name, int(epoch))] = float(when)
        else:
            spans.append((name, int(epoch), starts[(name, int(epoch))], float(when)))
    return spans


def test_workers_take_turns_one_epoch_at_a_time_and_the_warm_up_is_left_out(fake: tuple[Path, Path]) -> None:
    bench = _bench()
    script, log = fake
    argvs = {(p, "torch", side): [str(script), f"{p}-{side}", str(rate), str(log), "ok"]
             for p, side, rate in (("fp32", "zoo", 10), ("fp32", "hand", 20), ("bf16", "zoo", 30))}
    out = bench.lockstep_round(argvs, epochs=4)

    assert out[("fp32", "torch", "zoo")] == {"epochs": [20.0, 30.0, 40.0], "params": 7, "threads": 1}
    assert out[("fp32", "torch", "hand")]["epochs"] == [40.0, 60.0, 80.0]
    timed = sorted((s for s in _spans(log) if s[1] > 0), key=lambda s: s[2])
    assert [(name, epoch) for name, epoch, *_ in timed] == [
        ("fp32-zoo", 1), ("fp32-hand", 1), ("bf16-zoo", 1),   # in order,
        ("bf16-zoo", 2), ("fp32-hand", 2), ("fp32-zoo", 2),   # then in reverse,
        ("fp32-zoo", 3), ("fp32-hand", 3), ("bf16-zoo", 3)]
    assert all(a[3] <= b[2] for a, b in zip(timed, timed[1:])), "two timed epochs overlapped"
    assert bench.paired([out[("fp32", "torch", "zoo")]], [out[("fp32", "torch", "hand")]]).startswith("0.50  [0.5]")


def test_a_failed_worker_is_named_and_the_others_finish(fake: tuple[Path, Path],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bench = _bench()
    script, log = fake
    argvs = {("fp32", "torch", "zoo"): [str(script), "zoo", "10", str(log), "ok"],
             ("fp32", "torch", "hand"): [str(script), "hand", "10", str(log), "fail"]}
    start = time.monotonic()
    out = bench.lockstep_round(argvs, epochs=4)
    assert time.monotonic() - start < 60
    assert list(out) == [("fp32", "torch", "zoo")] and len(out[("fp32", "torch", "zoo")]["epochs"]) == 3
    assert "fake worker: out of memory" in capsys.readouterr().out
    assert bench.paired([out[("fp32", "torch", "zoo")]], [None]) == "n/a (a worker failed)"

"""benchmarks/bench_zoo.py: the results table flags rows that do not beat the mean-box baseline,
lists skipped backbones with the reason, and its --quick mode trains two backbones end to end."""
from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_zoo", ROOT / "benchmarks" / "bench_zoo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_zoo"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _row(backbone: str, fw: str, iou: float, note: str = "") -> dict:
    return {"dataset": "blobs", "backbone": backbone, "framework": fw, "params": 10, "flops": 20,
            "train_images_per_second": 1.0, "latency_ms_batch1": 1.0, "latency_ms_batch32": 2.0, "iou": iou,
            "corloc": 0.5, "baseline_iou": 0.04, "note": note}


def test_table_flags_rows_and_keeps_skip_reasons() -> None:
    bench = _bench()
    args = argparse.Namespace(size=32, n=64, epochs=1)
    rows = [_row("simple_cnn", "torch", 0.8), _row("simple_cnn", "keras", 0.05, "FLAG: below"),
            {"dataset": "blobs", "backbone": "vgg16", "framework": "torch", "note": bench.SKIP_REASON}]
    text = bench.markdown(rows, ["keras", "torch"], args, "test CPU")
    simple = next(line for line in text.splitlines() if line.startswith("| simple_cnn"))
    assert "keras: FLAG" in simple and "torch: FLAG" not in simple
    assert "0.800" in simple and "0.050" in simple
    vgg = next(line for line in text.splitlines() if line.startswith("| vgg16"))
    assert bench.SKIP_REASON in vgg


@pytest.mark.torch
def test_quick_mode_trains_two_backbones(tmp_path: Path) -> None:
    pytest.importorskip("zoo_torch")
    bench = _bench()
    doc = tmp_path / "results.md"
    assert bench.main(["--quick", "--frameworks", "torch", "--out", str(tmp_path), "--doc", str(doc)]) == 0
    rows = list(csv.DictReader(open(tmp_path / "results.csv")))
    assert [r["backbone"] for r in rows] == ["simple_cnn", "resnet18"]
    for r in rows:  # measured, not placeholders; 1 epoch of 64 items cannot beat the baseline: flagged
        assert int(r["params"]) > 0 and float(r["train_images_per_second"]) > 0
        assert float(r["baseline_iou"]) > 0 and r["note"].startswith("FLAG") == (r["beats_baseline"] == "False")
    assert "| simple_cnn |" in doc.read_text() and "| resnet18 |" in doc.read_text()

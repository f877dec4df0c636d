"""benchmarks/bench_zoo.py: the results table flags rows that do not beat the mean-box baseline,
says why when it cannot (checked on the committed docs/results.md), and its --quick mode trains two backbones end to end."""
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


def test_table_flags_rows_and_says_why_when_known() -> None:
    bench = _bench()
    args = argparse.Namespace(size=32, n=64, epochs=1)
    rows = [_row("simple_cnn", "torch", 0.8), _row("simple_cnn", "keras", 0.05, bench.flag_note("blobs", "x", False))]
    text = bench.markdown(rows, ["keras", "torch"], args, "test CPU")
    simple = next(line for line in text.splitlines() if line.startswith("| simple_cnn"))
    assert "keras: FLAG" in simple and "torch: FLAG" not in simple
    assert "0.800" in simple and "0.050" in simple
    # a flagged row without a reason breaks the rule; with one, it passes
    assert bench.doc_problems(text, ["blobs"], ["simple_cnn"], ["keras", "torch"]) == [
        "blobs simple_cnn keras: IoU 0.050 against baseline 0.040 and no 'why' in its note"]
    bench.WHY[("blobs", "simple_cnn")] = "one epoch of 64 items"
    try:
        rows[1]["note"] = bench.flag_note("blobs", "simple_cnn", False)
        text = bench.markdown(rows, ["keras", "torch"], args, "test CPU")
    finally:
        del bench.WHY[("blobs", "simple_cnn")]
    assert bench.doc_problems(text, ["blobs"], ["simple_cnn"], ["keras", "torch"]) == []
    # a missing backbone, a missing framework cell and a flag on a row that beats its baseline
    rows = [_row("resnet18", "torch", 0.9, "FLAG: wrong")]
    text = bench.markdown(rows, ["keras", "torch"], args, "test CPU")
    assert bench.doc_problems(text, ["blobs"], ["simple_cnn", "resnet18"], ["keras", "torch"]) == [
        "blobs: no row for simple_cnn",
        "blobs resnet18 keras: IoU - against baseline 0.040 and no 'why' in its note",
        "blobs resnet18 torch: flagged although it beats the baseline"]


def test_diagnose_reads_the_validation_curve() -> None:
    bench = _bench()
    hist = lambda *ious: [{"val_iou": v} for v in ious]
    assert bench.diagnose(hist(0.119, 0.119, 0.1192, 0.1192)).startswith("collapsed")
    assert bench.diagnose(hist(0.15, 0.18, 0.20, 0.21)).startswith("under-trained")
    assert bench.diagnose(hist(0.15, 0.30, 0.20, 0.18)) is None  # peaked, then fell: no reason given
    assert bench.diagnose(hist(0.15, 0.187, 0.1872, 0.1871)) is None  # flat in the second half
    with_loss = lambda losses, ious: [{"loss": a, "val_iou": v} for a, v in zip(losses, ious)]
    slow = bench.diagnose(with_loss((0.976, 0.916, 0.915, 0.913), (0.166, 0.175, 0.18, 0.169)))
    assert slow.startswith("under-trained") and "fell only 6 %" in slow and "0.976 -> 0.913" in slow
    assert bench.diagnose(with_loss((0.976, 0.6, 0.5, 0.45), (0.166, 0.175, 0.18, 0.169))) is None
    assert bench.flag_note("shapes", "x", True, hist(0.1, 0.1)) == ""


def test_results_doc_lists_every_backbone_and_each_row_beats_its_baseline_or_says_why() -> None:
    """docs/results.md, as committed: every installed backbone on each installed framework, for
    shapes and cats; a row that does not beat the mean-box baseline by MARGIN says why."""
    bench = _bench()
    names, frameworks = bench.installed()
    text = (ROOT / "docs" / "results.md").read_text()
    assert bench.doc_problems(text, ["shapes", "cats"], names, frameworks) == []


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

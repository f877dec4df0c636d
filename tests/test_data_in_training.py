"""A per-item data problem never stops a run, on every framework: a tiny VOC set with one truncated
and one undecodable JPEG trains; `zoo train` prints the skip summary and the run directory keeps
the full list (data-report.json)."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from zoo.recipes import parse
from zoo.training import train

N_GOOD = 10


def _jpeg(seed: int, w: int = 48, h: int = 40) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def tiny_voc(root: Path) -> Path:
    """10 good JPEGs, one truncated by 20 bytes, one whose image data is gone (header only)."""
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    files = {f"ok{i}": _jpeg(i) for i in range(N_GOOD)}
    files["trunc"] = _jpeg(99)[:-20]
    broken = _jpeg(98)
    files["broken"] = broken[: broken.find(b"\xff\xda")]
    for stem, data in files.items():
        (root / "images" / f"{stem}.jpg").write_bytes(data)
        (root / "annotations" / f"{stem}.xml").write_text(
            f"<annotation><filename>{stem}.jpg</filename><size><width>48</width><height>40</height></size>"
            "<object><name>a</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>30</xmax><ymax>30</ymax></bndbox>"
            "</object></annotation>")
    return root


def _recipe(root: Path, **model: Any) -> Any:
    raw = {"vectorizer": "gap", "head": "box", "loss": "mse", "input_size": 32,
           "dataset": {"name": "voc", "root": str(root), "test_share": 0.25},
           "train": {"epochs": 1, "batch_size": 4}, **model}
    return parse("voc-hostile", raw)


def _check_run(run_dir: Path, printed: str) -> None:
    assert "skipped 1 of 12: 1 unreadable image" in printed
    assert "1 damaged or truncated image(s) decoded tolerantly" in printed
    report = json.loads((run_dir / "data-report.json").read_text())
    assert report["kept"] == N_GOOD + 1 and report["skip_counts"] == {"unreadable image": 1}
    assert [s["key"] for s in report["skipped"]] == ["broken"] and "cannot decode" in report["skipped"][0]["reason"]
    assert json.loads((run_dir / "run.json").read_text())["status"] == "done"


def test_numpy_framework_trains_through_bad_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zoo.testing import isolated
    from zoo.testing.numpy_framework import FW, NumpyPlugin

    with isolated(NumpyPlugin()) as reg:
        run_dir = train(_recipe(tiny_voc(tmp_path / "voc"), backbone="np_pool"), FW, reg, out=tmp_path / "run",
                        workers=0)
    _check_run(run_dir, capsys.readouterr().out)


@pytest.mark.torch
def test_torch_trains_through_bad_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    from zoo import plugins

    plugins.reset()
    run_dir = train(_recipe(tiny_voc(tmp_path / "voc"), backbone={"name": "simple_cnn", "filters": [4]}), "torch",
                    plugins.registry(), out=tmp_path / "run", workers=0)
    _check_run(run_dir, capsys.readouterr().out)


@pytest.mark.keras
def test_keras_trains_through_bad_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")  # torch before TensorFlow (see GUIDE: triton / TF clash)
    pytest.importorskip("keras")
    from zoo import plugins

    plugins.reset()
    run_dir = train(_recipe(tiny_voc(tmp_path / "voc"), backbone={"name": "simple_cnn", "filters": [4]}), "keras",
                    plugins.registry(), out=tmp_path / "run", workers=2)
    _check_run(run_dir, capsys.readouterr().out)

"""zoo-example, tested with zoo.testing: registration, the LabelMe reader, and conformance of
every component on every installed framework (a framework that is not installed is skipped)."""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zoo_example.plugin
from PIL import Image

from zoo.errors import DataError
from zoo.testing import Report, check_component, check_dataset, check_loss_parity, loss_inputs, loss_value
from zoo.testing.fixtures import require_framework

FRAMEWORKS = ("torch", "keras")


@pytest.fixture
def reg(register_plugin: Any) -> Any:
    """The built-ins, the installed framework plugins, and zoo-example (from this checkout)."""
    return register_plugin(zoo_example.plugin, installed=FRAMEWORKS)


def test_plugin_registers_its_components(register_plugin: Any) -> None:
    r = register_plugin(zoo_example.plugin)
    assert r.get("backbone", "efficientnet_b0", "torch").source.plugin == "zoo_example.plugin"
    assert r.get("backbone", "efficientnet_b0", "keras").info.metadata()["preprocessing"] == "raw"
    assert r.get("backbone", "efficientnet_b0", "torch").info.metadata() == {
        "out_channels": 1280, "preprocessing": "torch", "stride": 32}
    assert {"diou"} <= set(r.names("loss"))
    assert r.info("dataset", "labelme").metadata({"root": "x"}) == {"classes": True}


def test_plugin_imports_no_framework() -> None:
    import subprocess
    import sys

    code = ("import sys, zoo_example.plugin; bad = [m for m in ('torch', 'keras', 'tensorflow', 'timm') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


# -- LabelMe ------------------------------------------------------------------------------------------
def _png(w: int, h: int, colour: tuple[int, int, int] = (200, 30, 30)) -> Image.Image:
    return Image.new("RGB", (w, h), colour)


def _rect(label: str, a: tuple[float, float], b: tuple[float, float]) -> dict[str, Any]:
    return {"label": label, "points": [list(a), list(b)], "shape_type": "rectangle", "group_id": None, "flags": {}}


def _doc(image: str, shapes: list[dict[str, Any]], w: int = 40, h: int = 30, data: str | None = None) -> dict[str, Any]:
    return {"version": "5.4.1", "flags": {}, "shapes": shapes, "imagePath": image, "imageData": data,
            "imageHeight": h, "imageWidth": w}


def make_labelme(root: Path, n: int = 12) -> Path:
    """`n` good images (cat / dog, one or two rectangles) plus one JSON of each kind of problem."""
    (root / "images").mkdir(parents=True)
    (root / "ann").mkdir()
    for i in range(n):
        _png(40, 30).save(root / "images" / f"{i}.png")
        shapes = [_rect("cat" if i % 2 else "dog", (30, 20), (4 + i % 3, 2))]  # corners in any order
        if i % 4 == 0:
            shapes.append(_rect("dog", (0, 0), (3, 3)))
            shapes.append({"label": "eye", "points": [[1, 1], [2, 2], [3, 1]], "shape_type": "polygon"})
        (root / "ann" / f"{i}.json").write_text(json.dumps(_doc(f"..\\images\\{i}.png", shapes)))
    buf = io.BytesIO()
    _png(20, 10).save(buf, format="PNG")
    embedded = base64.b64encode(buf.getvalue()).decode()
    (root / "ann" / "embedded.json").write_text(json.dumps(
        _doc("gone.png", [_rect("cat", (2, 2), (18, 8))], 20, 10, data=embedded)))
    (root / "ann" / "no_rect.json").write_text(json.dumps(_doc("../images/0.png", [
        {"label": "x", "points": [[1, 1], [5, 5], [1, 5]], "shape_type": "polygon"}])))
    (root / "ann" / "no_image.json").write_text(json.dumps(_doc("missing.png", [_rect("cat", (1, 1), (5, 5))])))
    (root / "ann" / "flat.json").write_text(json.dumps(_doc("../images/1.png", [_rect("cat", (5, 5), (5, 20))])))
    (root / "ann" / "broken.json").write_text("{not json")
    return root


def test_labelme_reads_largest_rectangle_and_reports_skips(tmp_path: Path, reg: Any) -> None:
    ds = reg.build("dataset", "labelme", "neutral", {"root": str(make_labelme(tmp_path))})
    assert len(ds) == 13 and ds.class_names == ("cat", "dog")
    boxes, labels = ds.targets()
    keys = [it.key for it in ds.items]
    first = keys.index("ann/0.json")
    np.testing.assert_allclose(boxes[first], [4 / 40, 2 / 30, 30 / 40, 20 / 30], rtol=1e-6)
    assert labels[first] == ds.class_names.index("dog")
    sample = ds.load(keys.index("ann/embedded.json"), (16, 24))
    assert sample.image.shape == (16, 24, 3) and sample.image.dtype == np.uint8
    skipped = dict(ds.report().skipped)
    assert set(skipped) == {"ann/no_rect.json", "ann/no_image.json", "ann/flat.json", "ann/broken.json"}
    assert "no rectangle" in skipped["ann/no_rect.json"] and "missing" in skipped["ann/no_image.json"]
    assert any("kept the largest" in n for n in ds.report().notes)
    report = Report("labelme")  # guards: the reader passes every Dataset contract check
    assert check_dataset(ds, report) and report.failures == []


def test_labelme_without_usable_images_says_why(tmp_path: Path, reg: Any) -> None:
    with pytest.raises(DataError, match="no usable image"):
        reg.build("dataset", "labelme", "neutral", {"root": str(tmp_path)})
    with pytest.raises(DataError, match="set the dataset parameter 'root'"):
        reg.build("dataset", "labelme", "neutral", {})


def test_labelme_conformance_without_framework(tmp_path: Path, reg: Any) -> None:
    check_component("dataset", "labelme", None, {"root": str(make_labelme(tmp_path))})


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_labelme_trains(tmp_path: Path, reg: Any, framework: str) -> None:
    require_framework(framework)
    check_component("dataset", "labelme", framework, {"root": str(make_labelme(tmp_path)), "classes": False})


# -- framework components -----------------------------------------------------------------------------
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_efficientnet_b0_shapes(reg: Any, framework: str) -> None:
    """Declaration, summary shapes and outputs, without training (seconds)."""
    require_framework(framework)
    report = check_component("backbone", "efficientnet_b0", framework, input_size=64, train=False)
    assert {"backbone out_channels", "backbone stride", "box output size"} <= {row[0] for row in report.rows}


def test_keras_efficientnet_b0_takes_the_core_batchnorm_momentum() -> None:
    """keras.applications builds it with 0.99; on a short run its eval-mode output then lagged
    training (docs/results.md)."""
    require_framework("keras")
    from zoo_example.keras_backbone import efficientnet_b0

    from zoo.plugin import BN_MOMENTUM

    trunk = efficientnet_b0(input_size=(32, 32))
    norms = [layer for layer in trunk.layers if type(layer).__name__ == "BatchNormalization"]
    assert len(norms) > 40 and {layer.momentum for layer in norms} == {BN_MOMENTUM}


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_efficientnet_b0_trains(reg: Any, framework: str) -> None:
    """The full check: fit lowers the loss, changes the weights, save/load round trip. 32 px
    (a 1 x 1 feature map) and 3 epochs on one batch; on Keras tracing the 240-layer train step
    dominates (about 20-40 s on 2 CPU cores)."""
    require_framework(framework)
    report = check_component("backbone", "efficientnet_b0", framework, input_size=32, epochs=3)
    assert "fit lowers the loss" in {row[0] for row in report.rows}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_diou_conformance(reg: Any, framework: str) -> None:
    require_framework(framework)
    check_component("loss", "diou", framework)


def _diou_numpy(pred: np.ndarray, target: np.ndarray, eps: float = 1e-7) -> float:
    ix = np.clip(np.minimum(pred[:, 2], target[:, 2]) - np.maximum(pred[:, 0], target[:, 0]), 0, None)
    iy = np.clip(np.minimum(pred[:, 3], target[:, 3]) - np.maximum(pred[:, 1], target[:, 1]), 0, None)
    inter = ix * iy
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    iou = inter / (area(pred) + area(target) - inter + eps)
    cw = np.maximum(pred[:, 2], target[:, 2]) - np.minimum(pred[:, 0], target[:, 0])
    ch = np.maximum(pred[:, 3], target[:, 3]) - np.minimum(pred[:, 1], target[:, 1])
    dist = ((pred[:, :2] + pred[:, 2:]) / 2 - (target[:, :2] + target[:, 2:]) / 2) ** 2
    return float(np.mean(1 - iou + dist.sum(1) / (cw ** 2 + ch ** 2 + eps)))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_diou_matches_the_formula(reg: Any, framework: str) -> None:
    require_framework(framework)
    meta = reg.info("loss", "diou").metadata()
    pred, target = loss_inputs(meta, seed=3)
    value = loss_value(framework, "diou", {}, pred, target)
    assert value == pytest.approx(_diou_numpy(pred.astype(np.float64), target.astype(np.float64)), abs=1e-5)
    assert loss_value(framework, "diou", {}, target, target) == pytest.approx(0.0, abs=1e-5)


def test_diou_parity_across_frameworks(reg: Any) -> None:
    for fw in FRAMEWORKS:
        require_framework(fw)
    values = check_loss_parity("diou")
    assert set(values) == set(FRAMEWORKS)

"""The files `zoo plugin new` writes, as text templates: @NAME@ (the plugin name), @PKG@ (its
import name), @SURFACE@ (the plugin surface module) and @FRAMEWORKS@ are filled in by
`zoo.scaffold.files`."""

PYPROJECT = '''[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "@NAME@"
version = "0.1.0"
description = "A zoo plugin: a small CNN backbone, an L1 box loss and a JSON dataset reader"
requires-python = ">=3.10"
dependencies = ["zoo"]

# zoo finds plugins through this entry-point group; the name is the plugin's name in `zoo plugins`
[project.entry-points.zoo]
@PKG@ = "@PKG@.plugin"

[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
testpaths = ["tests"]
# the frameworks' own deprecation chatter (numpy 2 copy keyword inside Keras, TF internals)
filterwarnings = ["ignore::DeprecationWarning:tensorflow.*", "ignore::DeprecationWarning:keras.*"]
'''

README = '''# @NAME@

A zoo plugin written by `zoo plugin new @NAME@`. It registers, for @FRAMEWORKS@:

* backbone `@PKG@_cnn`: two stride-2 3x3 convolutions with ReLU (stride 4, `2 * width` channels);
* loss `@PKG@_l1`: mean absolute error of the encoded box;
* dataset `@PKG@_json`: a JSON file listing images with one pixel box each (framework-neutral).

```bash
pip install -e @NAME@        # then: zoo plugins, zoo list backbone @PKG@*
pytest @NAME@                # zoo.testing's conformance checks on every installed framework
zoo train default --set backbone.name=@PKG@_cnn --set loss.0.name=@PKG@_l1 --epochs 2
```

See zoo's docs/writing-a-plugin.md for the contract.
'''

CONFTEST = '''"""zoo.testing's pytest plugin: fixtures zoo_registry, register_plugin, tiny_data (and the
torch-before-TensorFlow import guard). It must be named in the top-level conftest."""
pytest_plugins = ["zoo.testing.fixtures"]
'''

INIT = '''"""@NAME@: a zoo plugin (backbone @PKG@_cnn, loss @PKG@_l1, dataset @PKG@_json)."""
'''

PLUGIN = '''"""The registrations of @NAME@: declarations here, factories as "module:function" strings, so
loading the plugin imports no framework (`zoo list` stays fast and works without torch)."""
from __future__ import annotations

from typing import Any

from @SURFACE@ import Param, declare_backbone, declare_dataset, declare_loss, hookimpl

BACKBONE = declare_backbone(
    "@PKG@_cnn",
    description="two stride-2 3x3 convolutions with ReLU",
    params={"width": Param(16, int, help="channels of the first convolution (the second has twice as many)", ge=1)},
    # metadata may depend on the parameters: a function of the resolved parameters
    meta=lambda p: {"out_channels": 2 * p["width"], "preprocessing": "unit", "stride": 4},
)

LOSS = declare_loss("@PKG@_l1", target="box", space="encoded",
                    description="mean absolute error of the encoded box")

DATASET = declare_dataset(
    "@PKG@_json",
    description="a JSON list of {image, box: [x1, y1, x2, y2] in pixels, label?}",
    params={
        "file": Param("", str, help="the JSON file; image paths are relative to its folder"),
        "val": Param(0.1, float, help="share of items in the val split", ge=0.0, le=0.5),
        "test_share": Param(0.2, float, help="share of items in the test split", ge=0.0, le=0.5),
        "seed": Param(0, int, help="seed of the split"),
        "strict": Param(False, bool, help="turn every skipped item into an error"),
    },
    classes=False,
)


@hookimpl
def register_backbones(register: Any) -> None:
@BACKBONES@

@hookimpl
def register_losses(register: Any) -> None:
@LOSSES@

@hookimpl
def register_datasets(register: Any) -> None:
    register(DATASET, "@PKG@.reader:read_json")
'''

TORCH = '''"""The torch parts. The factory receives the recipe's resolved parameters plus the context of its
kind (a backbone: ``input_size=(H, W)``) and returns an ``nn.Module`` (a loss: a callable)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from @SURFACE@ import WeightsError


def backbone(*, input_size: tuple[int, int], weights: str = "none", width: int = 16) -> Any:
    """(N, 3, H, W) preprocessed images -> (N, 2 * width, H / 4, W / 4)."""
    import torch
    from torch import nn

    del input_size  # fully convolutional
    model = nn.Sequential(nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
                          nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU())
    if weights == "imagenet":
        raise WeightsError("@PKG@_cnn has no ImageNet weights; use backbone.weights=none or a local .pt file")
    if weights != "none":
        path = Path(weights).expanduser()
        if not path.is_file():
            raise WeightsError(f"@PKG@_cnn: weights file {str(path)!r} does not exist; give a state dict saved "
                               f"with torch.save, or backbone.weights=none")
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model


def loss() -> Any:
    """``loss(pred (N, E), target (N, E)) -> scalar``: mean absolute error."""
    def l1(pred: Any, target: Any) -> Any:
        return (pred.float() - target.float()).abs().mean()

    return l1
'''

KERAS = '''"""The Keras parts. The factory receives the recipe's resolved parameters plus the context of its
kind (a backbone: ``input_size=(H, W)``) and returns a ``keras.layers.Layer`` (a loss: a callable).
Any layer name will do: the adapter names the parts itself."""
from __future__ import annotations

import os
from typing import Any

from @SURFACE@ import WeightsError


def backbone(*, input_size: tuple[int, int], weights: str = "none", width: int = 16) -> Any:
    """(N, H, W, 3) preprocessed images -> (N, H / 4, W / 4, 2 * width)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    model = keras.Sequential([keras.Input((*input_size, 3)),
                              keras.layers.Conv2D(width, 3, strides=2, padding="same", activation="relu"),
                              keras.layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu")])
    if weights == "imagenet":
        raise WeightsError("@PKG@_cnn has no ImageNet weights; use backbone.weights=none or a local .weights.h5")
    if weights != "none":
        path = os.path.expanduser(weights)
        if not os.path.isfile(path):
            raise WeightsError(f"@PKG@_cnn: weights file {path!r} does not exist; give a .weights.h5 file saved "
                               f"from this backbone, or backbone.weights=none")
        model.load_weights(path)
    return model


def loss() -> Any:
    """``loss(pred (N, E), target (N, E)) -> scalar``: mean absolute error."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    from keras import ops

    def l1(pred: Any, target: Any) -> Any:
        return ops.mean(ops.abs(ops.cast(pred, "float32") - ops.cast(target, "float32")))

    return l1
'''

READER = '''"""The JSON reader: framework-neutral, so registered once for every framework.

File format: ``[{"image": "a.jpg", "box": [x1, y1, x2, y2]}, ...]``, boxes in pixels, image paths
relative to the JSON file's folder (and kept inside it by `inside_root`: ``../`` and absolute
paths are refused). An item whose image is missing, unreadable or outside the folder, or whose
box is not four numbers inside the image, is skipped, named and counted by kind in the report
(``strict`` turns a skip into a DataError); a missing or unparsable file is one DataError.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from @SURFACE@ import DataError, DataReport, Dataset, Sample, image_size, inside_root, load_image, stratified_split


class JsonBoxes(Dataset):
    """The readable items of one JSON file."""

    def __init__(self, paths: list[Path], boxes: np.ndarray, report: DataReport, val: float, test_share: float,
                 seed: int) -> None:
        self.paths, self.boxes, self._report = paths, boxes, report
        self._splits = stratified_split(np.arange(len(paths)), None, {"val": val, "test": test_share}, seed)

    def __len__(self) -> int:
        return len(self.paths)

    def load(self, index: int, size: tuple[int, int] | None = None) -> Sample:
        return Sample(load_image(self.paths[index], size), self.boxes[index], -1, self.paths[index].name)

    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        return self.boxes, np.full(len(self.paths), -1, np.int64)

    def splits(self) -> Mapping[str, np.ndarray]:
        return self._splits

    def report(self) -> DataReport:
        return self._report


def read_json(file: str, val: float, test_share: float, seed: int, strict: bool = False) -> JsonBoxes:
    path = Path(file).expanduser()
    if not file or not path.is_file():
        raise DataError(f"@PKG@_json: file {file!r} does not exist; set the dataset parameter 'file' to it")
    try:
        items: Any = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"@PKG@_json: {path} is not readable JSON ({exc}); fix the file") from None
    if not isinstance(items, list):
        raise DataError(f"@PKG@_json: {path} must hold a list of items, not a {type(items).__name__}")
    report, paths, boxes = DataReport(), [], []

    def skip(key: str, reason: str, kind: str) -> None:
        if strict:
            raise DataError(f"@PKG@_json: {path}: {key}: {reason} (strict: true)")
        report.skip(key, reason, kind)

    for number, item in enumerate(items):
        key = str(item.get("image", f"item {number}")) if isinstance(item, dict) else f"item {number}"
        try:
            x1, y1, x2, y2 = (float(v) for v in item["box"])
            image = inside_root(path.parent.resolve(), str(item["image"]))
        except (KeyError, TypeError, ValueError) as exc:
            skip(key, f"needs 'image' and a 4-number 'box' ({type(exc).__name__}: {exc})", "bad annotation")
            continue
        if image is None:
            skip(key, f"image {item['image']!r} is outside the folder of {path.name}", "file outside the root")
            continue
        if not image.is_file():
            skip(key, f"{image} does not exist", "missing image")
            continue
        try:
            w, h = image_size(image)
        except DataError as exc:
            skip(key, str(exc), "unreadable image")
            continue
        if not (0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h):
            skip(key, f"box {[x1, y1, x2, y2]} is not inside the {w}x{h} image", "no valid box")
            continue
        paths.append(image)
        boxes.append([x1 / w, y1 / h, x2 / w, y2 / h])
    if not paths:
        raise DataError(f"@PKG@_json: no usable item in {path} ({len(report.skipped)} skipped)")
    return JsonBoxes(paths, np.asarray(boxes, np.float32), report, val, test_share, seed)
'''

TESTS = '''"""@NAME@'s tests with zoo.testing: registration imports no framework, and every component passes
the conformance checks on every installed framework (a framework not installed is skipped)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import @PKG@.plugin as plugin
from zoo.errors import DataError
from zoo.testing import FrameworkUnavailable, check_component, check_loss_parity
from zoo.testing.fixtures import require_framework

FRAMEWORKS = @FRAMEWORKS@


@pytest.fixture
def reg(register_plugin: Any) -> Any:
    """zoo's built-ins, the installed framework plugins, and this plugin (from this folder)."""
    return register_plugin(plugin, installed=("torch", "keras"))


def test_registers_without_importing_a_framework() -> None:
    code = ("import sys, @PKG@.plugin; bad = [m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules]; "
            "sys.exit(f'imported {bad}' if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_backbone_conforms(reg: Any, framework: str) -> None:
    require_framework(framework, reg)
    check_component("backbone", "@PKG@_cnn", framework, {"width": 8})


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_loss_conforms(reg: Any, framework: str) -> None:
    require_framework(framework, reg)
    check_component("loss", "@PKG@_l1", framework)


def test_loss_is_the_same_on_every_framework(reg: Any) -> None:
    try:
        check_loss_parity("@PKG@_l1", frameworks=FRAMEWORKS)
    except FrameworkUnavailable as exc:
        pytest.skip(str(exc))


def _write_items(folder: Path, n: int = 12) -> Path:
    items = []
    for i in range(n):
        Image.fromarray(np.full((40, 50, 3), 20 * i % 255, np.uint8)).save(folder / f"{i}.png")
        items.append({"image": f"{i}.png", "box": [5, 4, 30 + i, 35]})
    items.append({"image": "missing.png", "box": [0, 0, 1, 1]})
    items.append({"image": "0.png", "box": [10, 10, 80, 20]})
    path = folder / "items.json"
    path.write_text(json.dumps(items))
    return path


def test_dataset_conforms_and_counts_skips(reg: Any, tmp_path: Path) -> None:
    file = _write_items(tmp_path)
    check_component("dataset", "@PKG@_json", None, {"file": str(file)})
    data = reg.build("dataset", "@PKG@_json", "neutral", {"file": str(file)})
    assert len(data) == 12 and data.report().skip_counts() == {"missing image": 1, "no valid box": 1}
    with pytest.raises(DataError, match="strict"):
        reg.build("dataset", "@PKG@_json", "neutral", {"file": str(file), "strict": True})
'''

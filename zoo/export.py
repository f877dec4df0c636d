"""``zoo export``: a trained run as one ONNX file that needs neither torch nor TensorFlow.

The graph contract, the same for every framework:

    input   ``image``  uint8 RGB (N, H, W, 3) at the recipe's input size (resize bilinearly first);
                       N is 1, or symbolic with ``--dynamic-batch``
    output  ``box``    float32 (N, 4) normalized [x1, y1, x2, y2], decoded from the head's
                       encoding and clipped to [0, 1]
            ``probs``  float32 (N, K) class probabilities (softmax), class heads only

The framework plugin traces its model into this graph (`Framework.export_onnx`) with
`graph_outputs`, so the decoding rule is this module's, once. Everything else is here: the
metadata (``zoo`` key: input size, class names, recipe, metrics) and the self-check, which runs
the file under onnxruntime on real test images of the run's dataset and compares with the
framework's own outputs (`CHECK_TOLERANCE`), writing the figures to ``<file>.check.json``.
A run trained in bf16 is exported (and checked) in fp32 with its trained weights.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from zoo import boxes, runs, test_time
from zoo.errors import ZooError

INPUT = "image"
OUTPUTS = ("box", "probs")
METADATA_KEY = "zoo"
DEFAULT_OPSET = 18
#: largest absolute difference allowed between onnxruntime and the framework (fp32)
CHECK_TOLERANCE = 1e-4
CHECK_IMAGES = 32
ONNX_FILE = "model.onnx"
INSTALL_HINT = "pip install 'zoo[onnx]'"


def graph_outputs(raw: dict[str, Any], encoding: str, xp: Any) -> dict[str, Any]:
    """The exported outputs from a model's raw ``{"box": encoded[, "logits"]}``, with array
    namespace `xp` (torch, keras.ops): only ``decode``, ``clip`` and ``softmax(x, -1)``."""
    out = {"box": xp.clip(boxes.decode(raw["box"], encoding, xp=xp), 0.0, 1.0)}
    if raw.get("logits") is not None:
        out["probs"] = xp.softmax(raw["logits"], -1)
    return out


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in numpy (float64), the reference for ``probs``."""
    x = np.asarray(logits, np.float64)
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@dataclass
class ExportResult:
    path: Path
    check_path: Path
    check: dict[str, Any]


def export_run(run_dir: str | Path, reg: Any, out: str | Path | None = None, opset: int = DEFAULT_OPSET,
               dynamic_batch: bool = False, check_images: int = CHECK_IMAGES) -> ExportResult:
    """Export the run in `run_dir` to `out` (default ``RUN/model.onnx``), add the metadata and
    check it; ZooError when onnxruntime disagrees with the framework beyond `CHECK_TOLERANCE`
    (the file and its check figures are kept for inspection)."""
    from zoo.evaluation import load_run

    _require("onnx")
    _require("onnxruntime")
    run_dir = runs.check_run(run_dir)
    path = Path(out) if out else run_dir / ONNX_FILE
    if path.suffix != ".onnx":
        raise ZooError(f"--out {str(path)!r} must end in .onnx, e.g. {path.with_suffix('.onnx')}")
    path.parent.mkdir(parents=True, exist_ok=True)
    plan, model, engine = load_run(run_dir, reg)
    if plan.recipe.train.precision != "fp32":  # exported in fp32: the same weights, rebuilt without bf16 layers
        plan = replace(plan, recipe=replace(plan.recipe, train=replace(plan.recipe.train, precision="fp32")))
        model = engine.load(plan, run_dir)
    info = runs.read_run(run_dir)
    engine.export_onnx(model, plan, path, opset=opset, dynamic_batch=dynamic_batch)
    _write_metadata(path, _metadata(run_dir, plan, info, opset, dynamic_batch))
    images = check_batch(plan, reg, check_images)
    check = self_check(path, test_time.predict(engine, model, plan, lambda: [images]), plan.encoding, images)
    check.update(framework=plan.framework, recipe=plan.recipe.name, run=str(run_dir), opset=opset,
                 dynamic_batch=dynamic_batch, dataset=plan.recipe.dataset.name)
    check_path = path.with_name(path.name + ".check.json")
    runs.write_json(check_path, check)
    if not check["passed"]:
        raise ZooError(f"{path}: onnxruntime differs from {plan.framework} by {check['max_abs_diff']:.3g} "
                       f"(> {CHECK_TOLERANCE}) on {check['images']} test images; see {check_path}")
    return ExportResult(path, check_path, check)


def check_batch(plan: Any, reg: Any, n: int) -> np.ndarray:
    """Up to `n` test images of the plan's dataset, uint8 (n, H, W, 3) at the input size."""
    from zoo.assembly import build_dataset
    from zoo.data.pipeline import Pipeline
    from zoo.evaluation import prepare_data

    data = prepare_data(plan.recipe, build_dataset(plan.recipe, reg), workers=0)
    indices = data.test.indices[:n]
    return next(Pipeline(data.dataset, indices, plan.input_size, len(indices)).images())


def self_check(path: Path, outputs: Any, encoding: str, images: np.ndarray) -> dict[str, Any]:
    """Compare onnxruntime on `images` with the framework's `outputs` (a `Framework.predict`
    result) decoded by the core: per output the largest absolute difference."""
    from zoo.onnx_model import OnnxModel

    onnx = OnnxModel(path)
    got_box, got_probs = onnx.run(images)
    want_box = np.clip(boxes.decode(np.asarray(outputs.box, np.float64), encoding), 0.0, 1.0)
    diffs = {"box": float(np.abs(got_box - want_box).max())}
    if outputs.logits is not None:
        if got_probs is None:
            raise ZooError(f"{path}: the exported graph has no 'probs' output but the model predicts classes")
        diffs["probs"] = float(np.abs(got_probs - softmax(outputs.logits)).max())
    worst = max(diffs.values())
    return {"images": int(len(images)), "tolerance": CHECK_TOLERANCE, "max_abs_diff": worst,
            "max_abs_diff_per_output": diffs, "passed": bool(worst <= CHECK_TOLERANCE),
            "onnxruntime": _version("onnxruntime"), "onnx": _version("onnx")}


def _metadata(run_dir: Path, plan: Any, info: dict[str, Any], opset: int, dynamic_batch: bool) -> dict[str, Any]:
    metrics_path = run_dir / runs.METRICS
    m = runs.read_json(metrics_path) if metrics_path.exists() else {}
    h, w = plan.input_size
    return {"format": 1, "recipe": plan.recipe.name, "framework": plan.framework, "encoding": plan.encoding,
            "input": {"name": INPUT, "dtype": "uint8", "layout": "NHWC", "color": "RGB", "size": [h, w],
                      "resize": "bilinear", "batch": None if dynamic_batch else 1},
            "outputs": {"box": "normalized xyxy in [0, 1]", **({"probs": "class probabilities"}
                                                              if plan.num_classes else {})},
            "class_names": list(info.get("class_names") or []) if plan.num_classes else [],
            "test_time": {"hflip": plan.recipe.test_time.hflip},
            "metrics": {k: m[k] for k in ("iou", "corloc", "accuracy", "n") if k in m}, "opset": opset}


def _write_metadata(path: Path, meta: dict[str, Any]) -> None:
    import onnx

    model = onnx.load(str(path))
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(meta)
    model.doc_string = (f"zoo localizer {meta['recipe']} ({meta['framework']}): uint8 RGB NHWC image "
                        f"{meta['input']['size']} -> box (normalized xyxy){', probs' if meta['class_names'] else ''}")
    onnx.save(model, str(path))


def _require(module: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ZooError(f"{module} is not installed; {INSTALL_HINT}")


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None

"""``zoo predict``: boxes (and classes) for image files, drawn as PNGs and listed as JSON.

A model is a run directory (predicted with its framework), an ``.onnx`` file from ``zoo export``
(onnxruntime only: neither torch nor TensorFlow is imported) or the name of an installed model
package (`zoo.models`). Images are files or directories (every image file directly inside).

Memory stays bounded whatever the image: the model input is decoded at the input size (JPEG draft
mode), the drawing at most `DRAW_SIDE` pixels on its longer side, and the figure is at most
`FIGURE_PX` square; images stream through in batches.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo import boxes, runs, test_time
from zoo.datasets.images import image_size, load_image
from zoo.errors import DataError, ZooError

#: longest side (pixels) an image is decoded at for drawing
DRAW_SIDE = 800
#: longest side (pixels) of a written PNG
FIGURE_PX = 600
#: most extreme height / width ratio a figure keeps; beyond it the image is letterboxed
MAX_ASPECT = 8.0

BoxesAndProbs = tuple[np.ndarray, "np.ndarray | None"]


@dataclass
class Predictor:
    """What prediction needs of a model: its input size, class names and a function from uint8
    (N, H, W, 3) batches to (normalized xyxy boxes clipped to [0, 1], class probabilities or None)."""

    input_size: tuple[int, int]
    class_names: list[str]
    run: Callable[[np.ndarray], BoxesAndProbs]
    default_out: Path
    kind: str  # "torch", "keras" or "onnx"


def run_predictor(run_dir: str | Path, reg: Any) -> Predictor:
    """A trained run, predicted with the framework that trained it."""
    from zoo.evaluation import load_run
    from zoo.export import softmax
    from zoo.monitor import decode_outputs

    plan, model, engine = load_run(run_dir, reg)
    info = runs.read_run(Path(run_dir))

    def run(batch: np.ndarray) -> BoxesAndProbs:
        outputs = test_time.predict(engine, model, plan, lambda: [batch])
        pred, _ = decode_outputs(plan, outputs)
        return pred, None if outputs.logits is None else softmax(outputs.logits)

    names = list(info.get("class_names") or []) if plan.num_classes else []
    return Predictor(plan.input_size, names, run, Path(run_dir) / "predict", plan.framework)


def onnx_predictor(path: str | Path) -> Predictor:
    """An exported model under onnxruntime."""
    from zoo.onnx_model import OnnxModel

    model = OnnxModel(path)
    return Predictor(model.input_size, model.class_names, model.run,
                     Path(path).with_suffix("").with_name(Path(path).stem + "-predict"), "onnx")


def open_model(model: str | Path, reg: Callable[[], Any]) -> Predictor:
    """`model` as a Predictor: an .onnx file, a run directory or an installed model's name.
    `reg` returns the registry (called only when needed)."""
    path = Path(model)
    if path.suffix == ".onnx" and path.is_file():
        return onnx_predictor(path)
    if path.is_dir():
        return run_predictor(runs.check_run(path), reg())
    from zoo import models

    found = models.find(str(model), reg())
    if found is None:
        raise ZooError(f"{str(model)!r} is not an .onnx file, a run directory or an installed model "
                       f"({models.installed_text(reg())}); give one of these")
    onnx_file = found.directory / "model.onnx"
    predictor = onnx_predictor(onnx_file) if onnx_file.is_file() else run_predictor(found.directory, reg())
    predictor.default_out = Path(f"{found.name}-predict")
    return predictor


def image_files(args: Sequence[str | Path]) -> list[Path]:
    """Files named in `args`, each directory replaced by the image files directly inside it (sorted);
    DataError for a path that does not exist or a directory without images."""
    from PIL import Image

    suffixes = {s for s, fmt in Image.registered_extensions().items() if fmt in Image.OPEN}
    files: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
            if not inside:
                raise DataError(f"directory {str(path)!r} holds no image files ({', '.join(sorted(suffixes)[:6])}, "
                                f"...); give image files or a directory of them")
            files += inside
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"image {str(path)!r} does not exist; give paths of image files or directories")
    return files


def output_names(files: Sequence[Path]) -> list[str]:
    """One distinct PNG name per input: ``<stem>.png``, then ``<stem>-2.png``, ... on collisions
    (``a/same.png`` and ``b/same.png`` both keep their result)."""
    used: set[str] = set()
    names = []
    for path in files:
        name, n = f"{path.stem}.png", 1
        while name.lower() in used or name.lower() == "predictions.json":
            n += 1
            name = f"{path.stem}-{n}.png"
        used.add(name.lower())
        names.append(name)
    return names


def predict_files(model: str | Path | Predictor, images: Sequence[str | Path], reg: Any = None,
                  out: str | Path | None = None, batch_size: int = 16,
                  progress: bool = True) -> list[dict[str, Any]]:
    """Predict each image (or every image in a directory); write ``<out>/<name>.png`` with the
    box drawn and ``<out>/predictions.json``; return the JSON's items.

    `model`: a Predictor or what `open_model` accepts; `reg`: the registry (or None to load the
    installed plugins when needed)."""
    files = image_files(images)
    if isinstance(model, Predictor):
        predictor = model
    else:
        predictor = open_model(model, (lambda: reg) if reg is not None else _installed_registry)
    out_dir = Path(out) if out else predictor.default_out
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ZooError(f"cannot write predictions to {str(out_dir)!r} ({exc.strerror}); "
                       f"give a writable --out") from None
    results: list[dict[str, Any]] = []
    bar = _progress(len(files), progress)
    try:
        for chunk in _chunks(list(zip(files, output_names(files))), max(1, batch_size)):
            loaded, arrays = [], []
            for path, png in chunk:
                try:  # one unreadable image is a named, counted skip: the others are still predicted
                    arrays.append(load_image(path, predictor.input_size))
                    loaded.append((path, png))
                except DataError as exc:
                    results.append({"image": str(path), "skipped": str(exc)})
            if arrays:
                pred, probs = predictor.run(np.stack(arrays))
                for i, (path, png) in enumerate(loaded):
                    results.append(_item(predictor, path, pred[i], None if probs is None else probs[i],
                                         out_dir / png))
            bar.update(len(chunk))
    finally:
        bar.close()
    runs.write_json(out_dir / "predictions.json", results)
    skipped = [r for r in results if "skipped" in r]
    if skipped:
        print(f"skipped {len(skipped)} of {len(results)} image(s) that cannot be decoded (listed in "
              f"{out_dir / 'predictions.json'}): " + "; ".join(r["skipped"] for r in skipped[:3]), file=sys.stderr)
    return results


def _installed_registry() -> Any:
    from zoo.plugins import registry

    return registry()


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _progress(total: int, enabled: bool) -> Any:
    """A bar over the images on an interactive terminal (`zoo.progress.bars`), else nothing."""
    from tqdm import tqdm

    from zoo.progress import bars

    return tqdm(total=total, unit="image", desc="predict", disable=not enabled or total < 2 or not bars(),
                leave=False)


def _item(predictor: Predictor, path: Path, box: np.ndarray, probs: np.ndarray | None, png: Path) -> dict[str, Any]:
    w, h = image_size(path)
    item: dict[str, Any] = {"image": str(path), "width": w, "height": h,
                            "box": [round(float(v), 2) for v in boxes.to_pixels(box, w, h)],
                            "box_normalized": [round(float(v), 5) for v in box]}
    label = None
    if probs is not None:
        index = int(np.argmax(probs))
        label = predictor.class_names[index] if index < len(predictor.class_names) else index
        item["class"], item["score"] = label, round(float(probs[index]), 5)
    item["png"] = str(draw(path, (w, h), box, label, png))
    return item


def draw_size(width: int, height: int, limit: int = DRAW_SIDE) -> tuple[int, int]:
    """(H, W) to decode an image of `width` x `height` at for drawing: at most `limit` on the longer side."""
    scale = min(1.0, limit / max(width, height, 1))
    return max(1, round(height * scale)), max(1, round(width * scale))


def draw(path: Path, size: tuple[int, int], box: np.ndarray, label: Any, png: Path) -> Path:
    """Write `png`: the image at `path` (decoded at `draw_size`) with `box` drawn, at most
    `FIGURE_PX` pixels on each side whatever the image's shape."""
    from zoo.plots import _pyplot, draw_boxes

    image = load_image(path, draw_size(*size))
    h, w = image.shape[:2]
    aspect = min(max(h / w, 1 / MAX_ASPECT), MAX_ASPECT)
    inches = FIGURE_PX / 100
    figsize = (inches, inches * aspect) if aspect <= 1 else (inches / aspect, inches)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    draw_boxes(ax, image, None, box, "" if label is None else str(label))
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png

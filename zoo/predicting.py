"""``zoo predict``: boxes (and classes) for image files, drawn as PNGs and listed as JSON."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from zoo import boxes, runs
from zoo.datasets.images import load_image
from zoo.errors import DataError
from zoo.registry import Registry
from zoo.training import decode_outputs, load_run


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(image).resize((size[1], size[0]), Image.BILINEAR))


def predict_files(run_dir: str | Path, images: list[str], reg: Registry, out: str | Path | None = None,
                  batch_size: int = 16) -> list[dict[str, Any]]:
    """Predict each image; write ``<out>/<stem>.png`` with the box drawn and ``<out>/predictions.json``."""
    plan, model, engine = load_run(run_dir, reg)
    info = runs.read_run(Path(run_dir))
    class_names = info.get("class_names") or []
    missing = [p for p in images if not Path(p).is_file()]
    if missing:
        raise DataError(f"image {missing[0]!r} does not exist; give paths of image files")
    originals = [load_image(p) for p in images]
    batch = np.stack([resize(im, plan.input_size) for im in originals])
    outputs = engine.predict(model, [batch[i:i + batch_size] for i in range(0, len(batch), batch_size)])
    pred, labels = decode_outputs(plan, outputs)
    out_dir = Path(out) if out else Path(run_dir) / "predict"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for i, (path, image) in enumerate(zip(images, originals)):
        h, w = image.shape[:2]
        item: dict[str, Any] = {"image": str(path), "width": w, "height": h,
                                "box": [round(float(v), 2) for v in boxes.to_pixels(pred[i], w, h)],
                                "box_normalized": [round(float(v), 5) for v in pred[i]]}
        if labels is not None:
            item["class"] = class_names[int(labels[i])] if class_names else int(labels[i])
            item["score"] = float(_softmax(outputs.logits[i])[labels[i]])  # type: ignore[index]
        item["png"] = str(_draw(image, pred[i], item.get("class"), out_dir / f"{Path(path).stem}.png"))
        results.append(item)
    runs.write_json(out_dir / "predictions.json", results)
    return results


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def _draw(image: np.ndarray, box: np.ndarray, label: Any, path: Path) -> Path:
    from zoo.plots import _pyplot, draw_boxes

    plt = _pyplot()
    h, w = image.shape[:2]
    fig, ax = plt.subplots(figsize=(6, 6 * h / max(w, 1)))
    draw_boxes(ax, image, None, box, "" if label is None else str(label))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path

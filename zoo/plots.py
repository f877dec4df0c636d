"""PNG figures of a run: learning curves and predicted boxes (matplotlib, Agg backend)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from zoo.data.pipeline import Pipeline

TRUE_COLOUR = "#2ca02c"
PRED_COLOUR = "#d62728"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def curves(history: Sequence[dict[str, float]], path: Path, title: str = "",
           others: dict[str, Sequence[dict[str, float]]] | None = None) -> Path:
    """Loss (train and val) and val IoU per epoch; `others` adds more runs (label -> history)."""
    plt = _pyplot()
    fig, (ax_loss, ax_iou) = plt.subplots(1, 2, figsize=(10, 4))
    for label, hist in {"": history, **(others or {})}.items():
        if not hist:
            continue
        epochs = [h["epoch"] for h in hist]
        prefix = f"{label} " if label else ""
        ax_loss.plot(epochs, [h["loss"] for h in hist], marker="o", label=f"{prefix}train")
        ax_loss.plot(epochs, [h["val_loss"] for h in hist], marker="s", linestyle="--", label=f"{prefix}val")
        ax_iou.plot(epochs, [h.get("val_iou", np.nan) for h in hist], marker="o", label=f"{prefix}val IoU")
        if "val_corloc" in hist[0]:
            ax_iou.plot(epochs, [h["val_corloc"] for h in hist], linestyle=":", label=f"{prefix}val CorLoc")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    ax_iou.set(xlabel="epoch", ylabel="score", title="validation", ylim=(0, 1))
    for ax in (ax_loss, ax_iou):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def draw_boxes(ax: Any, image: np.ndarray, true: np.ndarray | None, pred: np.ndarray | None,
               caption: str = "") -> None:
    """Show `image` with normalized xyxy boxes: true in green, predicted in red."""
    from matplotlib.patches import Rectangle

    h, w = image.shape[:2]
    ax.imshow(image)
    for box, colour, style in ((true, TRUE_COLOUR, "-"), (pred, PRED_COLOUR, "--")):
        if box is None:
            continue
        x1, y1, x2, y2 = np.asarray(box, float) * [w, h, w, h]
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colour, linewidth=2,
                               linestyle=style))
    if caption:
        ax.set_title(caption, fontsize=8)
    ax.axis("off")


def predictions_grid(test: Pipeline, pred_boxes: np.ndarray, pred_labels: np.ndarray | None, path: Path,
                     class_names: Sequence[str] = (), n: int = 16) -> Path:
    """The first `n` test images with true and predicted boxes and per-image IoU."""
    from zoo.metrics import iou

    plt = _pyplot()
    batch = next(iter(test.batches(0)))
    n = min(n, len(batch.images), len(pred_boxes))
    cols = min(4, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 3 * rows), squeeze=False)
    scores = iou(pred_boxes[:n], batch.boxes[:n])
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.axis("off")
            continue
        caption = f"IoU {scores[i]:.2f}"
        if pred_labels is not None and class_names:
            caption += f"  {class_names[int(pred_labels[i])]}"
        draw_boxes(ax, batch.images[i], batch.boxes[i], pred_boxes[i], caption)
    fig.suptitle("green: true box, red dashed: predicted")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path

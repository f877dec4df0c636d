"""The per-epoch monitor every framework reports to while fitting: it decodes the validation
outputs, computes the core metrics, keeps the history (persisted for ``--resume``), tracks the best
epoch, decides early stopping (`Monitor.stopped_after`) and stops at the first non-finite loss."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from zoo import boxes, metrics, runs
from zoo.assembly import Plan
from zoo.errors import ZooError
from zoo.interfaces.framework import Outputs


def decode_outputs(plan_or_encoding: Plan | str, outputs: Outputs) -> tuple[np.ndarray, np.ndarray | None]:
    """Predicted xyxy boxes clipped to the image, and class indices (None without classes)."""
    encoding = plan_or_encoding if isinstance(plan_or_encoding, str) else plan_or_encoding.encoding
    pred = np.clip(boxes.decode(np.asarray(outputs.box, np.float64), encoding), 0.0, 1.0)
    labels = None if outputs.logits is None else np.asarray(outputs.logits).argmax(-1)
    return pred, labels


class Monitor:
    """Per-epoch bookkeeping shared by every framework.

    Step losses: a framework reads them back from its device every `read_every` optimizer steps
    and at the end of each epoch (`end_batches`), never after every step: a host read per step
    stalls an accelerator's queue and, on CPU, costs the loop a sync for nothing. So a non-finite
    loss stops training at most `read_every` steps after it appeared, naming its batch.

    Args:
        plan: the plan being trained (for the box encoding).
        run_dir: where history.json / history.csv are written.
        val_targets: (boxes, labels) of the validation split, in pipeline order.
        early_stopping: stop after this many epochs without a val_loss improvement (0 = off);
            the recipe's ``train.early_stopping``.
        writes: whether history files are written and epochs printed (False on every process of
            a distributed run but rank 0, which still decide stopping alike).
    """

    #: optimizer steps between two reads of the step losses (see the class docstring)
    read_every: int = 16

    def __init__(self, plan: Plan, run_dir: Path, val_targets: tuple[np.ndarray, np.ndarray],
                 early_stopping: int = 0, verbose: bool = True, writes: bool = True) -> None:
        self.plan = plan
        self.run_dir = Path(run_dir)
        self.val_boxes, self.val_labels = val_targets
        self.early_stopping = early_stopping
        self.verbose = verbose and writes
        self.writes = writes
        self.history: list[dict[str, float]] = []
        path = self.run_dir / "history.json"
        if path.exists():
            self.history = list(runs.read_json(path))

    @property
    def epochs_done(self) -> int:
        return len(self.history)

    @property
    def best_epoch(self) -> int:
        """0-based epoch with the lowest val_loss (ties: the earliest), -1 before any epoch."""
        if not self.history:
            return -1
        return int(np.argmin([h["val_loss"] for h in self.history]))

    def val_metrics(self, outputs: Outputs) -> dict[str, float]:
        pred, labels = decode_outputs(self.plan, outputs)
        has_classes = labels is not None and self.val_labels.min() >= 0
        found = metrics.localization_metrics(pred, self.val_boxes, labels if has_classes else None,
                                             self.val_labels if has_classes else None)
        return {f"val_{k}": v for k, v in found.items() if k != "n"}

    def end_batch(self, epoch: int, batch: int, loss: float) -> None:
        """Check the loss of 0-based `batch` of 0-based `epoch`: NonFiniteLossError (training stops
        there, nothing non-finite is recorded) when it is NaN or infinite. Frameworks call it
        after every optimizer step."""
        check_loss(loss, epoch, batch, self.plan.recipe.train.lr)

    def end_batches(self, epoch: int, first_batch: int, losses: list[float]) -> None:
        """`end_batch` for the consecutive batches ``first_batch, first_batch + 1, ...`` of
        `epoch` whose losses were read back together: the first non-finite one raises."""
        for offset, loss in enumerate(losses):
            self.end_batch(epoch, first_batch + offset, loss)

    def stopped_after(self, epochs_done: int) -> bool:
        """The early-stopping rule: whether training stops after its first `epochs_done` epochs
        (the best val_loss among them is ``early_stopping`` or more epochs old). A framework asks
        it when resuming; `end_epoch` answers it after every epoch."""
        if not self.early_stopping or epochs_done < 1 or len(self.history) < epochs_done:
            return False
        best = int(np.argmin([h["val_loss"] for h in self.history[:epochs_done]]))
        return epochs_done - 1 - best >= self.early_stopping

    def end_epoch(self, epoch: int, logs: dict[str, float], outputs: Outputs) -> bool:
        """Record epoch `epoch` (0-based); return True when training should stop. A non-finite
        loss or val_loss raises NonFiniteLossError before anything is recorded."""
        for key in ("loss", "val_loss"):
            if key in logs:
                check_loss(float(logs[key]), epoch, None, self.plan.recipe.train.lr, key)
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in logs.items()}, **self.val_metrics(outputs)}
        self.history = self.history[:epoch] + [row]
        if self.writes:
            runs.write_json(self.run_dir / "history.json", self.history)
            runs.atomic_write(self.run_dir / "history.csv", _csv(self.history))
        if self.verbose:
            shown = "  ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "epoch")
            print(f"epoch {row['epoch']}: {shown}", flush=True)
        return self.stopped_after(epoch + 1)


class NonFiniteLossError(ZooError):
    """The training loss became NaN or infinite; training stops at once."""


def check_loss(loss: float, epoch: int, batch: int | None, lr: float, name: str = "loss") -> None:
    """NonFiniteLossError naming where `loss` (of 0-based `epoch` and `batch`) stopped being finite."""
    if np.isfinite(loss):
        return
    where = f"epoch {epoch + 1}" + (f", batch {batch + 1}" if batch is not None else "")
    raise NonFiniteLossError(f"{name} is {float(loss)} at {where}: training stopped; lower train.lr (now {lr:g}), "
                             f"use precision fp32, or check the data for broken boxes")


def _csv(rows: list[dict[str, float]]) -> str:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, keys)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()

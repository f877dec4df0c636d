"""Callbacks of `zoo_keras.train.fit`, run in this order after each epoch:

`EpochEnd`: stops at the first non-finite batch loss (`Monitor.end_batch`), times the epoch (images/s), predicts the val pipeline in inference mode, computes
val_loss with the training objective, steps the plateau schedule, calls
``Monitor.end_epoch`` (stopping on True), keeps the best weights and writes the checkpoint.
One callback, so that what is checkpointed is exactly the state after the epoch's bookkeeping.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from zoo.plugin import Monitor, Pipeline

from zoo_keras import checkpoint
from zoo_keras._keras import keras, ops
from zoo_keras.optim import current_lr, step_plateau
from zoo_keras.predict import predict_outputs


def val_loss(model: Any, outputs: Any, val: Pipeline) -> float:
    """The objective on the whole val split (its mean over items)."""
    true_boxes, true_labels = val.targets()
    pred = {"box": ops.convert_to_tensor(outputs.box)}
    if outputs.logits is not None:
        pred["logits"] = ops.convert_to_tensor(outputs.logits)
    target = {"box": ops.convert_to_tensor(true_boxes), "label": ops.convert_to_tensor(true_labels)}
    return float(ops.convert_to_numpy(model.objective(pred, target)))


class EpochEnd(keras.callbacks.Callback):
    """See the module docstring. `plateau` is None unless the schedule is plateau."""

    def __init__(self, train: Pipeline, val: Pipeline, monitor: Monitor, run_dir: Path,
                 plateau: Plateau | None) -> None:
        super().__init__()
        self.train_pipeline, self.val, self.monitor = train, val, monitor
        self.run_dir, self.plateau = Path(run_dir), plateau
        self.started, self.epoch = 0.0, 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.started = time.perf_counter()
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Stop at the first non-finite loss (Keras' running mean turns NaN at that batch)."""
        if logs and "loss" in logs:
            self.monitor.end_batch(self.epoch, batch, float(logs["loss"]))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        seconds = time.perf_counter() - self.started
        model, optimizer = self.model, self.model.optimizer
        outputs = predict_outputs(model, self.val.images())
        row = {"loss": float((logs or {})["loss"]), "val_loss": val_loss(model, outputs, self.val),
               "lr": current_lr(optimizer),
               "images_per_second": self.train_pipeline.items_per_epoch / max(seconds, 1e-9)}
        if logs is not None:
            logs.update(row)
        if self.plateau is not None:
            step_plateau(self.plateau, optimizer, row["val_loss"])
        if self.monitor.end_epoch(epoch, row, outputs):
            model.stop_training = True
        if not self.monitor.writes:  # several processes: the chief alone writes
            return
        if self.monitor.best_epoch == epoch:
            checkpoint.save_best(self.run_dir, model)
        extra = {"plateau": self.plateau.state() if self.plateau else None}
        checkpoint.save_state(self.run_dir, model, optimizer, epoch, extra)

"""The cases of bench_speed.py and the data every worker of a case trains on.

A case is the ``default`` recipe with its backbone swapped (the head, loss, optimizer and batch
size stay the recipe's); `train_arrays` gives the hand-written workers the very items, in the
same number, that zoo's train pipeline feeds (read once, before any timing).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

#: what a lockstep worker prints after each epoch, before it waits for its next turn
EPOCH_MARK = "EPOCH "


@dataclass(frozen=True)
class Case:
    name: str
    backbone: str
    size: int  # input px (and the blobs' own size)
    n: int     # blobs items (train split: about 80 % of them, less a tenth for val)
    epochs: int = 9  # per bench_speed process, the first a warm-up (8 timed epochs per round)

    def overrides(self, epochs: int, precision: str) -> list[str]:
        """The `default` recipe's overrides that make this case."""
        swap = [] if self.backbone == "simple_cnn" else [f"backbone.name={self.backbone}"]
        return [*swap, f"input_size={self.size}", f"dataset.size={self.size}", f"dataset.n={self.n}",
                f"train.epochs={epochs}", f"train.precision={precision}"]


CASES = {c.name: c for c in [Case("default", "simple_cnn", 64, 1024), Case("resnet18", "resnet18", 128, 160),
                              Case("mobilenet_v2", "mobilenet_v2", 96, 192)]}


def recipe(case: Case, epochs: int, precision: str):  # type: ignore[no-untyped-def]
    import zoo

    return zoo.get_recipe("default", overrides=tuple(case.overrides(epochs, precision)))


def train_arrays(case: Case) -> tuple[np.ndarray, np.ndarray, int]:
    """(uint8 NHWC images, float32 xyxy boxes, batch size) of the case's train split, epoch 0."""
    from zoo.assembly import build_dataset
    from zoo.evaluation import prepare_data
    from zoo.plugins import registry

    rec = recipe(case, 1, "fp32")
    data = prepare_data(rec, build_dataset(rec, registry()), workers=0)
    batches = list(data.train.batches(0))
    return (np.concatenate([b.images for b in batches]), np.concatenate([b.boxes for b in batches]),
            rec.train.batch_size)


def take_turn(rate: float, lockstep: bool) -> None:
    """The end of one epoch of a bench_speed worker. In lockstep (bench_speed.py drives every
    worker of a case on one core, one epoch at a time) print the epoch's images/s and wait until
    the driver says go (a line on stdin, or stdin closed) before the next epoch starts."""
    if lockstep:
        print(f"{EPOCH_MARK}{rate}", flush=True)
        sys.stdin.readline()

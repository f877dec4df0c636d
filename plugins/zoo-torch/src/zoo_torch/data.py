"""PyTorch adapter over the neutral `zoo.data.Pipeline`: the same arrays as tf.data and numpy.

`loader(pipeline, epoch)` yields ``(images uint8 NHWC, boxes float32 (B, 4), labels int64 (B,))``
in position order; each item is ``pipeline.item(epoch, position)``, a pure function of the
pipeline's seed, so worker processes change speed, never content.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from zoo.plugin import Pipeline


class PositionDataset(Dataset):  # type: ignore[type-arg]
    """Positions 0 .. items_per_epoch-1 of one epoch of `pipeline`."""

    def __init__(self, pipeline: Pipeline, epoch: int) -> None:
        self.pipeline, self.epoch = pipeline, epoch

    def __len__(self) -> int:
        return self.pipeline.items_per_epoch

    def __getitem__(self, position: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        image, box, label = self.pipeline.item(self.epoch, position)
        # arrays from PIL (and cached ones) are read-only; torch.from_numpy shares memory and warns
        # on those, so copy exactly when the array is not writable (or not contiguous)
        return (torch.from_numpy(np.require(image, np.uint8, ["C_CONTIGUOUS", "WRITEABLE"])),
                torch.from_numpy(np.array(box, np.float32)), torch.tensor(label, dtype=torch.int64))


def loader(pipeline: Pipeline, epoch: int, workers: int = 0, **kwargs: Any) -> DataLoader:  # type: ignore[type-arg]
    """A DataLoader over one epoch of `pipeline`: its batches are ``pipeline.local_batches(epoch)``,
    in order (at world size 1: sequential positions, batches of ``pipeline.batch_size``, the last
    one smaller unless the pipeline drops it; on several processes this rank's parts of them)."""
    data = PositionDataset(pipeline, epoch)
    parts = [[int(p) for p in part.positions] for part in pipeline.local_batches(epoch)]
    return DataLoader(data, batch_sampler=parts, num_workers=workers, persistent_workers=False, **kwargs)

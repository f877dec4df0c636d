"""Fine-tuning rules, stated once for every framework.

A recipe's ``train.freeze_backbone`` = N keeps the backbone frozen for the first N epochs (0-based
epochs 0 .. N-1): its weights do not change, its optimizer state does not move, and its
BatchNorm layers run in inference mode (the pretrained statistics are used and kept), so only
the vectorizer and head learn. From epoch N on the whole model trains, the backbone with
learning rate ``lr * train.backbone_lr`` (whatever the schedule makes of ``lr``), the rest with
``lr``. Frameworks ask these functions; each does only what its library forces to apply them.

``train.freeze_stride`` = S keeps the backbone's first layers frozen for the whole run, BatchNorm
in inference mode: every layer, in the order the layers run, before the first one whose output is
coarser than stride S (detectron2's ``FREEZE_AT``, by stride: 4 holds the stem and the stride-4
stage). Early layers are generic edge and texture filters that a few hundred photos cannot
improve, and they are the costly ones to train (the largest maps): on EfficientNet-Lite0 at 224 px
S = 4 halves the train step. A framework lists its backbone's layers with their output heights
(`frozen_layers`); the rule of which stay frozen is here.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from zoo.recipes import TrainSpec


@dataclass(frozen=True)
class Phase:
    """Epochs ``first`` .. ``end - 1`` (0-based), trained with the backbone frozen or not."""

    first: int
    end: int
    frozen: bool


def backbone_frozen(spec: TrainSpec, epoch: int) -> bool:
    """Whether the backbone is frozen in 0-based `epoch`."""
    return epoch < spec.freeze_backbone


def backbone_lr_multiplier(spec: TrainSpec) -> float:
    """The backbone's learning rate as a share of the head's, once unfrozen."""
    return float(spec.backbone_lr)


def phases(spec: TrainSpec, start: int = 0) -> list[Phase]:
    """The frozen and unfrozen epoch ranges still to train from 0-based epoch `start`."""
    cut = min(spec.freeze_backbone, spec.epochs)
    out = [Phase(max(start, 0), cut, True), Phase(max(start, cut), spec.epochs, False)]
    return [p for p in out if p.first < p.end]


def unfrozen_step(spec: TrainSpec, steps_per_epoch: int) -> int:
    """Optimizer steps taken before the backbone first trains (for per-parameter step counts)."""
    return min(spec.freeze_backbone, spec.epochs) * steps_per_epoch


def layer_stride(input_height: int, output_height: int | None) -> float:
    """A layer's output stride: the power of two nearest ``input_height / output_height`` ('valid'
    convolutions shave a few pixels without striding); infinite for an output without a spatial
    map (``None``)."""
    if not output_height:
        return math.inf
    return float(2 ** round(math.log2(input_height / output_height)))


def frozen_layers(spec: TrainSpec, input_height: int, output_heights: Sequence[int | None]) -> int:
    """How many of the backbone's layers, listed in the order they run by their output heights,
    stay frozen all run under ``train.freeze_stride``: those before the first whose
    `layer_stride` exceeds it (0 when it is 0)."""
    if not spec.freeze_stride:
        return 0
    for i, height in enumerate(output_heights):
        if layer_stride(input_height, height) > spec.freeze_stride:
            return i
    return len(output_heights)

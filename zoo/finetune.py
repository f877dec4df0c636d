"""Fine-tuning rules, stated once for every framework.

A recipe's ``train.freeze_backbone`` = N keeps the backbone frozen for the first N epochs (0-based
epochs 0 .. N-1): its weights do not change, its optimizer state does not move, and its
BatchNorm layers run in inference mode (the pretrained statistics are used and kept), so only
the vectorizer and head learn. From epoch N on the whole model trains, the backbone with
learning rate ``lr * train.backbone_lr`` (whatever the schedule makes of ``lr``), the rest with
``lr``. Frameworks ask these functions; each does only what its library forces to apply them.
"""
from __future__ import annotations

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

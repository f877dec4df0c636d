"""Loss: one term of a recipe's (weighted) training objective.

Built object: a callable ``loss(pred, target) -> scalar`` in the framework's tensors, the
mean over the batch.

What it receives depends on its metadata:
    target=box,   space=encoded   pred, target: (N, E) in the head's encoding
    target=box,   space=decoded   pred, target: (N, 4) normalized xyxy (decoded with
                                  `zoo.boxes.decode`, differentiable)
    target=class                  pred: (N, K) logits; target: (N,) int class indices

Factory: ``factory(**params)``.

Metadata:
    target         "box" or "class"
    space          "encoded" or "decoded" (box losses)
    head_requires  {head parameter: allowed values}, e.g. bce needs ``activation: [sigmoid]``
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from zoo.interfaces.component import ComponentInfo, Param

TARGETS = ("box", "class")
SPACES = ("encoded", "decoded")


def declare_loss(name: str, *, description: str, target: str, space: str = "encoded",
                 params: Mapping[str, Param] | None = None,
                 head_requires: Mapping[str, Sequence[str]] | None = None) -> ComponentInfo:
    """A loss declaration."""
    if target not in TARGETS or space not in SPACES:
        raise ValueError(f"loss {name!r}: target must be one of {TARGETS}, space one of {SPACES}")
    meta = {"target": target, "space": space, "head_requires": dict(head_requires or {})}
    return ComponentInfo("loss", name, dict(params or {}), description, meta)

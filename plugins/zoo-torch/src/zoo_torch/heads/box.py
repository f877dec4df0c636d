"""Heads ``box`` and ``box_class``: called as ``head(vector, pooled)``, return
``{"box": (N, E)}`` (+ ``"logits": (N, K)`` for box_class).

Box branch: [Dropout] + Linear + ReLU per hidden width, then [Dropout] + Linear(E) (unless
``dense`` is false), then the activation. Class branch: the same for ``class_hidden``, then
Linear(K), from the vector or (``class_input: pooled``) the pooled backbone map.
"""
from __future__ import annotations

import torch
from torch import nn

from zoo.plugin import RecipeError, boxes, check_dense_input


def mlp(in_features: int, hidden: list[int], out: int | None, dropout: float) -> tuple[nn.Sequential, int]:
    """Dense stack and its output width; no final Linear when `out` is None."""
    layers: list[nn.Module] = []
    width = in_features
    for size in hidden:
        layers += [*([nn.Dropout(dropout)] if dropout > 0 else []), nn.Linear(width, int(size)), nn.ReLU(inplace=True)]
        width = int(size)
    if out is not None:
        layers += [*([nn.Dropout(dropout)] if dropout > 0 else []), nn.Linear(width, int(out))]
        width = int(out)
    return nn.Sequential(*layers), width


class BoxHead(nn.Module):
    """A box branch and, when ``classes`` is given, a class branch."""

    def __init__(self, box: nn.Sequential, activation: str, classes: nn.Sequential | None = None,
                 class_input: str = "vector") -> None:
        super().__init__()
        self.box = box
        self.activation = activation
        self.classes = classes
        self.class_input = class_input

    @property
    def uses_pooled(self) -> bool:
        """Whether `forward` reads the pooled map (the localizer computes it only then)."""
        return self.classes is not None and self.class_input == "pooled"

    def forward(self, vector: torch.Tensor, pooled: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        box = self.box(vector)
        out = {"box": torch.sigmoid(box) if self.activation == "sigmoid" else box}
        if self.classes is not None:
            source = pooled if self.class_input == "pooled" else vector
            if source is None:
                raise ValueError("head box_class with class_input 'pooled' needs the pooled feature map")
            out["logits"] = self.classes(source)
        return out


def _box_branch(name: str, in_features: int, encoding: str, hidden: list[int], dense: bool,
                dropout: float) -> nn.Sequential:
    size = boxes.size(encoding)
    branch, width = mlp(in_features, hidden, size if dense else None, dropout)
    if not dense:
        check_dense_input(name, encoding, width, bool(hidden))
    if not dense and hidden:  # the last hidden layer is the output: no ReLU on the box values
        branch = nn.Sequential(*list(branch)[:-1])
    return branch


def box(*, in_features: int, in_channels: int, num_classes: int, encoding: str, activation: str,
        hidden: list[int], dense: bool, dropout: float) -> BoxHead:
    del in_channels, num_classes
    return BoxHead(_box_branch("box", in_features, encoding, hidden, dense, dropout), activation)


def box_class(*, in_features: int, in_channels: int, num_classes: int, encoding: str, activation: str,
              hidden: list[int], dense: bool, dropout: float, class_input: str, class_hidden: list[int]) -> BoxHead:
    if num_classes < 1:
        raise RecipeError("head 'box_class' needs a dataset with classes (num_classes is 0); use head 'box'")
    source = in_channels if class_input == "pooled" else in_features
    classes, _ = mlp(source, class_hidden, num_classes, dropout)
    return BoxHead(_box_branch("box_class", in_features, encoding, hidden, dense, dropout), activation,
                   classes, class_input)

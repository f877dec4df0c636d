"""The box head and the box + class head.

Box branch: per hidden width [Dropout] + Dense + ReLU, then [Dropout] + Dense(E) (unless
``dense: false``: then the last hidden layer, without ReLU, is the output) and the activation (computed in float32 under mixed precision). Class branch
(box_class): per class_hidden width [Dropout] + Dense + ReLU, then [Dropout] + Dense(K), on the
vector or, with ``class_input: pooled``, on the pooled backbone map. Weights (`zoo_keras.weight_layout`):
the box branch's dense kernels and biases in order, then the class branch's.
"""
from __future__ import annotations

from typing import Any

from zoo.plugin import RecipeError, boxes, check_dense_input

from zoo_keras._keras import layers, ops


def _dense_stack(widths: list[int], out: int | None, dropout: float, prefix: str) -> list[layers.Layer]:
    stack: list[layers.Layer] = []
    for i, width in enumerate([*widths, *([out] if out is not None else [])]):
        if dropout > 0:
            stack.append(layers.Dropout(dropout, name=f"{prefix}_dropout{i}"))
        output = i == len(widths) - (0 if out is not None else 1)  # no ReLU on the output layer
        stack.append(layers.Dense(int(width), activation=None if output else "relu", name=f"{prefix}_dense{i}"))
    return stack


def _run(stack: list[layers.Layer], x: Any, training: bool | None) -> Any:
    for layer in stack:
        x = layer(x, training=training) if isinstance(layer, layers.Dropout) else layer(x)
    return x


class BoxHead(layers.Layer):
    """A box (and optionally class logits) from the vector; see the module docstring.

    Args:
        in_features: D, the vector's width.
        box_size: E, values of the encoding.
        activation: sigmoid or linear, on the box.
        hidden, dense, dropout: the box branch.
        num_classes: K; 0 for no class branch.
        class_input: vector or pooled.
        class_hidden: hidden widths of the class branch.
    """

    def __init__(self, in_features: int, box_size: int, activation: str, hidden: list[int], dense: bool,
                 dropout: float, num_classes: int = 0, class_input: str = "vector",
                 class_hidden: list[int] | None = None, name: str = "head", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.box_stack = _dense_stack([int(h) for h in hidden], box_size if dense else None, dropout, "box")
        self.activation = layers.Activation(activation, dtype="float32", name="box_activation")
        self.class_stack = (_dense_stack([int(h) for h in class_hidden or []], num_classes, dropout, "class")
                            if num_classes else [])
        self.uses_pooled = bool(num_classes) and class_input == "pooled"
        self.num_classes = num_classes

    def call(self, vector: Any, pooled: Any = None, training: bool | None = None) -> dict[str, Any]:
        out = {"box": self.activation(_run(self.box_stack, vector, training))}
        if self.class_stack:
            source = pooled if self.uses_pooled else vector
            out["logits"] = ops.cast(_run(self.class_stack, source, training), "float32")
        return out


def box(in_features: int, in_channels: int, num_classes: int, encoding: str = "xyxy", activation: str = "sigmoid",
        hidden: list[int] | None = None, dense: bool = True, dropout: float = 0.0) -> BoxHead:
    """Factory of the ``box`` head (ignores `num_classes` and `in_channels`)."""
    if not dense:
        check_dense_input("box", encoding, int(hidden[-1]) if hidden else in_features, bool(hidden))
    return BoxHead(in_features, boxes.size(encoding), activation, list(hidden or []), dense, dropout)


def box_class(in_features: int, in_channels: int, num_classes: int, encoding: str = "xyxy",
              activation: str = "sigmoid", hidden: list[int] | None = None, dense: bool = True,
              dropout: float = 0.0, class_input: str = "vector", class_hidden: list[int] | None = None) -> BoxHead:
    """Factory of the ``box_class`` head: needs a dataset with classes (K >= 1)."""
    if num_classes < 1:
        raise RecipeError("head 'box_class' needs a dataset with classes (got 0 classes); use head: box")
    if not dense:
        check_dense_input("box_class", encoding, int(hidden[-1]) if hidden else in_features, bool(hidden))
    return BoxHead(in_features, boxes.size(encoding), activation, list(hidden or []), dense, dropout,
                   num_classes, class_input, class_hidden)

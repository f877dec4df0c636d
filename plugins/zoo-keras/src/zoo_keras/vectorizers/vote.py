"""vote: every cell of the feature map votes for a box around itself, and the box is the
softmax-weighted mean of the votes (zoo.standard.vectorizers; the same function as zoo-torch's).

(N, h, w, C) -> kernel x kernel conv (filters, 'same') + ReLU -> 1x1 convs: score (N, h, w, 1) and offsets (N, h, w, 4);
weights = softmax of the scores over the h * w cells (row-major); vote = `zoo.plugin.cell_votes`
+ offsets; box = sum of weights * votes: (N, 4) xyxy. Weights: hidden kernel (k, k, C, filters),
bias, score kernel, bias, offsets kernel, bias.
"""
from __future__ import annotations

from typing import Any

from zoo.plugin import cell_votes

from zoo_keras._keras import keras, layers, ops


class Vote(layers.Layer):
    """The vote vectorizer on a (h, w) map."""

    def __init__(self, in_size: tuple[int, int], filters: int, kernel: int = 1, name: str = "vectorizer",
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.in_size = (int(in_size[0]), int(in_size[1]))
        self.filters, self.kernel = int(filters), int(kernel)
        self.hidden = layers.Conv2D(self.filters, self.kernel, padding="same", activation="relu", name="hidden")
        self.score = layers.Conv2D(1, 1, kernel_initializer="zeros", name="score")
        self.offsets = layers.Conv2D(4, 1, kernel_initializer="zeros", name="offsets")
        self.start = cell_votes(*self.in_size)[None]  # (1, h*w, 4)

    def build(self, input_shape: Any) -> None:
        self.hidden.build(input_shape)
        inner = (*tuple(input_shape)[:-1], self.filters)
        self.score.build(inner)
        self.offsets.build(inner)

    def call(self, x: Any) -> Any:
        cells = self.in_size[0] * self.in_size[1]
        hidden = self.hidden(x)
        weights = ops.softmax(ops.reshape(ops.cast(self.score(hidden), "float32"), (-1, cells)), axis=-1)
        votes = ops.convert_to_tensor(self.start) + ops.reshape(ops.cast(self.offsets(hidden), "float32"),
                                                                (-1, cells, 4))
        return ops.sum(votes * weights[:, :, None], axis=1)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, int]:
        return (input_shape[0], 4)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "in_size": self.in_size, "filters": self.filters, "kernel": self.kernel}


def vote(in_channels: int, in_size: tuple[int, int], filters: int = 64, kernel: int = 1) -> Vote:
    """(N, h, w, C) -> (N, 4) xyxy."""
    return Vote(in_size, filters, kernel)

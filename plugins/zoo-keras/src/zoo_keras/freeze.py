"""``train.freeze_stride`` on Keras: a functional backbone's layers in topological order (the order
they run) with their output heights; the core's rule (`zoo.finetune.frozen_layers`) says how many
of the first ones stay frozen all run. A non-trainable Keras layer gets no updates and runs its
BatchNorm in inference mode.

A subclassed backbone (zoo-keras' ``simple_cnn`` and ``resnet18``) records no graph to read the
order from: ``freeze_stride`` on it is a one-line error (zoo-torch reads any backbone's order
from a forward pass).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo.plugin import TrainSpec, ZooError, finetune

from zoo_keras._keras import keras


def layers_in_order(backbone: Any, name: str = "backbone") -> list[tuple[Any, int | None]]:
    """(layer, output height or None) of every layer of the functional `backbone`, in
    topological order (its input layer left out); ZooError for a subclassed one."""
    out: list[tuple[Any, int | None]] = []
    for layer in backbone.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        try:
            shape = tuple(layer.output.shape)
        except (AttributeError, ValueError):
            raise ZooError(f"train.freeze_stride needs a backbone whose layers Keras can list in the order "
                           f"they run (a functional model); backbone {name!r} on keras is a subclassed model: "
                           f"set train.freeze_stride=0, or train it with -f torch") from None
        out.append((layer, int(shape[1]) if len(shape) == 4 and shape[1] else None))
    return out


def fixed_layers(backbone: Any, spec: TrainSpec, input_size: tuple[int, int], name: str = "backbone") -> list[Any]:
    """The layers of `backbone` that ``train.freeze_stride`` keeps frozen all run."""
    if not spec.freeze_stride or backbone is None:
        return []
    listed = layers_in_order(backbone, name)
    return [layer for layer, _ in listed[:finetune.frozen_layers(spec, input_size[0], [h for _, h in listed])]]


def hold(layers: Sequence[Any]) -> bool:
    """Make `layers` non-trainable; whether any changed (the train function must then be traced again)."""
    changed = [layer for layer in layers if layer.trainable]
    for layer in changed:
        layer.trainable = False
    return bool(changed)

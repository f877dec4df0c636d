"""Optimizer and learning-rate schedule of a `zoo.recipes.TrainSpec`.

adam and sgd take ``weight_decay`` as an L2 term on the gradient (as torch's Adam / SGD; the
localizer adds it to the loss, see `l2_penalty`); adamw decays decoupled (Keras' AdamW = torch's).
Schedules: exponential ``lr * rate ** (step / decay_steps)`` (continuous) and cosine from lr to
min_lr over all steps are Keras schedules of the optimizer's step count; plateau is the core's
`zoo.plugin.Plateau` rule, stepped on val_loss by `zoo_keras.callbacks.EpochEnd` (its state is
checkpointed); this plugin only reads and writes the learning rate.
"""
from __future__ import annotations

from typing import Any

from zoo.plugin import ADAM_EPSILON, Plateau, TrainSpec

from zoo_keras._keras import keras, ops


def learning_rate(spec: TrainSpec, steps_per_epoch: int) -> Any:
    """A float, or a Keras LearningRateSchedule of the iteration count."""
    if spec.schedule == "exponential":
        return keras.optimizers.schedules.ExponentialDecay(spec.lr, spec.decay_steps, spec.decay_rate,
                                                           staircase=False)
    if spec.schedule == "cosine":
        total = max(1, spec.epochs * steps_per_epoch)
        return keras.optimizers.schedules.CosineDecay(spec.lr, total, alpha=min(1.0, spec.min_lr / spec.lr))
    return spec.lr


def make_optimizer(spec: TrainSpec, steps_per_epoch: int) -> Any:
    """The recipe's optimizer with its schedule."""
    lr = learning_rate(spec, steps_per_epoch)
    if spec.optimizer == "adam":
        return keras.optimizers.Adam(lr, epsilon=ADAM_EPSILON)
    if spec.optimizer == "adamw":
        return keras.optimizers.AdamW(lr, weight_decay=spec.weight_decay, epsilon=ADAM_EPSILON)
    if spec.optimizer == "sgd":
        return keras.optimizers.SGD(lr, momentum=spec.momentum)
    raise ValueError(f"optimizer {spec.optimizer!r} is not one of adam, adamw, sgd")


def l2_penalty(spec: TrainSpec) -> float:
    """The coefficient c of ``c * sum(w^2)`` added to the loss (c = weight_decay / 2, so the
    gradient gains weight_decay * w as in torch), 0 for adamw."""
    return spec.weight_decay / 2 if spec.optimizer in ("adam", "sgd") else 0.0


def current_lr(optimizer: Any) -> float:
    return float(ops.convert_to_numpy(optimizer.learning_rate))


def step_plateau(plateau: Plateau, optimizer: Any, val_loss: float) -> None:
    """One epoch of the core's plateau rule on the optimizer's learning rate."""
    if plateau.step(val_loss):
        optimizer.learning_rate.assign(plateau.reduce(current_lr(optimizer)))


def scale_backbone_lr(optimizer: Any, backbone_variables: list[Any], spec: TrainSpec, steps_per_epoch: int) -> None:
    """Give `optimizer` (built on every trainable variable) the backbone's learning rate,
    ``lr * backbone_lr`` (`zoo.finetune`), by scaling the rate its ``update_step`` receives for
    the backbone's variables: Keras optimizers have no per-variable rate (torch: a param group).

    AdamW's decoupled weight decay of those variables follows their rate too (lr * backbone_lr *
    weight_decay, as torch's param group; Keras would decay them at the optimizer's rate).

    Keras' Adam counts one global step, so a backbone frozen for the first epochs would start with
    its bias correction already gone (torch counts steps per parameter): for Adam / AdamW the
    rate of those variables also carries the factor that restores the per-variable correction
    from `zoo.finetune.unfrozen_step` on.
    """
    from zoo.plugin import finetune

    multiplier = finetune.backbone_lr_multiplier(spec)
    first = finetune.unfrozen_step(spec, steps_per_epoch)
    if multiplier == 1.0 and not (first and isinstance(optimizer, keras.optimizers.Adam)):
        return
    indices = {optimizer._get_variable_index(v) for v in backbone_variables}  # noqa: SLF001 - Keras' own lookup
    update_step = optimizer.update_step
    adam = isinstance(optimizer, keras.optimizers.Adam)
    decays = isinstance(optimizer, keras.optimizers.AdamW) and bool(optimizer.weight_decay)
    if decays:  # Keras decays every variable at the optimizer's rate; the backbone's is decayed below
        use_weight_decay = optimizer._use_weight_decay  # noqa: SLF001

        def _use_weight_decay(variable: Any) -> bool:
            return use_weight_decay(variable) and optimizer._get_variable_index(variable) not in indices  # noqa: SLF001

        optimizer._use_weight_decay = _use_weight_decay  # noqa: SLF001

    def scaled(gradient: Any, variable: Any, learning_rate: Any) -> Any:
        if optimizer._get_variable_index(variable) in indices:  # noqa: SLF001
            learning_rate = ops.cast(learning_rate, "float32") * multiplier
            if decays:  # decoupled decay at the backbone's own rate, as torch's AdamW param group
                rate = ops.cast(learning_rate * float(optimizer.weight_decay), variable.dtype)
                variable.assign(variable - variable * rate)
            if adam and first:
                t = ops.cast(optimizer.iterations + 1, "float32")
                local = ops.maximum(t - first, 1.0)
                b1, b2 = float(optimizer.beta_1), float(optimizer.beta_2)
                global_ = ops.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                learning_rate = learning_rate * (ops.sqrt(1 - b2 ** local) / (1 - b1 ** local)) / global_
        return update_step(gradient, variable, learning_rate)

    optimizer.update_step = scaled

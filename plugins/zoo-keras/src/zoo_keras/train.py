"""The fit loop: ``model.fit`` on the Pipeline's batches with the recipe's optimizer, schedule,
seed and precision, the `EpochEnd` callback (val, Monitor, best weights, checkpoint) and
Keras' progress bar (on a terminal only: `zoo.progress`); resume from ``run_dir/checkpoint`` continues exactly."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zoo.plugin import Monitor, Pipeline, Plan, Plateau, ZooError, bars, finetune

from zoo_keras import checkpoint, distributed, freeze
from zoo_keras._keras import keras
from zoo_keras.callbacks import EpochEnd
from zoo_keras.data import train_dataset
from zoo_keras.optim import l2_penalty, make_optimizer, scale_backbone_lr


def seed_everything(seed: int) -> None:
    """Python, numpy and Keras seeds, and deterministic TensorFlow ops (cheap on CPU)."""
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    try:
        tf.config.experimental.enable_op_determinism()
    except Exception:  # noqa: BLE001 - older TF: determinism stays best-effort
        pass


def compile_model(model: Any, plan: Plan, steps_per_epoch: int) -> Any:
    """Compile `model` with the recipe's optimizer (no XLA: 4-7x slower on CPU); return it."""
    spec = plan.recipe.train
    optimizer = make_optimizer(spec, steps_per_epoch)
    model.l2 = l2_penalty(spec)
    model.compile(optimizer=optimizer, jit_compile=False)
    optimizer.build(model.trainable_variables)  # every variable, frozen or not: one optimizer state
    backbone = _backbone(model)
    if backbone is not None:
        scale_backbone_lr(optimizer, backbone.trainable_variables, spec, steps_per_epoch)
    return optimizer


def _backbone(model: Any) -> Any:
    try:
        return model.get_layer("backbone")
    except ValueError:
        return None


def set_frozen(model: Any, frozen: bool, fixed: Sequence[Any] = ()) -> None:
    """Freeze or unfreeze the backbone, its `fixed` first layers frozen always (`zoo.finetune`):
    a non-trainable Keras layer gets no updates and runs its BatchNorm in inference mode. The
    train function is traced again when anything changed."""
    backbone = _backbone(model)
    if backbone is not None and backbone.trainable == frozen:
        backbone.trainable = not frozen  # every layer of it, the fixed ones included
        model.train_function = None
    if freeze.hold(fixed):
        model.train_function = None


def fit(model: Any, plan: Plan, train: Pipeline, val: Pipeline, monitor: Monitor, run_dir: Path,
        resume: bool, verbose: int | str | None = None) -> Any:
    """Train `model` (see `zoo.interfaces.Framework.fit`); return it with the best weights.
    `verbose` is Keras' (default: the progress bar on a terminal, nothing per batch otherwise;
    the Monitor prints one line per epoch either way)."""
    if verbose is None:
        verbose = 1 if bars() and monitor.verbose else 0
    spec = plan.recipe.train
    run_dir = Path(run_dir)
    seed_everything(spec.seed)
    steps = len(train)
    if spec.sync_batchnorm and distributed.strategy() is not None:
        raise ZooError("train.sync_batchnorm (--sync-bn) is implemented for torch only; on Keras leave it off "
                       "(BatchNorm statistics are then each replica's)")
    with scope():
        optimizer = compile_model(model, plan, steps)
    plateau = Plateau.of(spec) if spec.schedule == "plateau" else None
    initial_epoch = 0
    if resume:
        meta = checkpoint.load_state(run_dir, model, optimizer)
        if meta is not None:
            initial_epoch = int(meta["epoch"]) + 1
            if plateau is not None and meta["extra"].get("plateau"):
                plateau.restore(meta["extra"]["plateau"])
    if initial_epoch < spec.epochs and not monitor.stopped_after(initial_epoch):
        callback = EpochEnd(train, val, monitor, run_dir, plateau)
        fixed = freeze.fixed_layers(_backbone(model), spec, plan.recipe.input_size, plan.recipe.backbone.name)
        for phase in finetune.phases(spec, initial_epoch):
            set_frozen(model, phase.frozen, fixed)
            model.fit(train_dataset(train, phase.first, phase.end), epochs=phase.end, initial_epoch=phase.first,
                      steps_per_epoch=steps, callbacks=[callback], verbose=verbose, shuffle=False)
            if model.stop_training:
                break
        set_frozen(model, False)
        for layer in fixed:  # trainable again, as the model was given
            layer.trainable = True
    if monitor.writes:  # the chief: the others' work ends with the last epoch
        checkpoint.load_best(run_dir, model)
    return model


def scope() -> Any:
    """The tf.distribute strategy's scope (`zoo_keras.distributed`), or no scope."""
    import contextlib

    s = distributed.strategy()
    return s.scope() if s is not None else contextlib.nullcontext()

"""The fit loop: epochs of optimizer steps with a tqdm progress bar (on a terminal only, see
`zoo.progress`; logs get the Monitor's one line per epoch), validation after every
epoch, the recipe's schedule, early stopping through `zoo.monitor.Monitor`, an atomic
checkpoint per epoch, exact resume and best-weights restore.

Determinism: the data order depends only on (seed, epoch) (`zoo.data.pipeline`), the torch RNG
is re-seeded from (seed, epoch) at every epoch start, and model/optimizer/schedule state is
restored on resume, so a resumed run repeats an uninterrupted one on the same device.

Several processes (`zoo_torch.distributed`): the model is wrapped in DistributedDataParallel,
each rank trains on its parts of the global batches (`Pipeline.local_batches`), its loss scaled
by ``weight * world size`` so DDP's averaged gradient is the global batch mean's; validation is
sharded and gathered; rank 0 alone writes checkpoints (every rank reads them on resume).
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from tqdm.auto import tqdm

from zoo.plugin import CHECKPOINT_DIR, Objective, Outputs, TrainSpec, bars, finetune
from zoo_torch import checkpoint
from zoo_torch import distributed as ddp
from zoo_torch.data import loader
from zoo_torch.optim import Schedule, make_optimizer

if TYPE_CHECKING:
    from zoo.plugin import Monitor, Pipeline, Plan

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def weighted_batches(pipeline: Pipeline, epoch: int) -> Iterator[tuple[Batch, float]]:
    """`batches` of `epoch` with each one's share of its global batch (`zoo.distributed.LocalBatch`)."""
    weights = [part.weight for part in pipeline.local_batches(epoch)]
    yield from zip(batches(pipeline, epoch), weights)


def batches(pipeline: Pipeline, epoch: int) -> Iterator[Batch]:
    """(uint8 NHWC images, xyxy boxes, labels) tensors of `epoch` (this rank's parts when the
    pipeline is sharded), through `zoo_torch.data.loader` with ``pipeline.workers`` worker
    processes (``zoo train --workers``)."""
    yield from loader(pipeline, epoch, workers=pipeline.workers)


def to_input(images: torch.Tensor | np.ndarray, device: torch.device, channels_last: bool) -> torch.Tensor:
    """uint8 NHWC -> float32 NCHW in [0, 255] on `device` (channels_last memory when asked)."""
    x = torch.as_tensor(images).to(device, non_blocking=True).permute(0, 3, 1, 2).float()
    return x.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager[Any]:
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def epoch_seed(seed: int, epoch: int) -> int:
    return (int(seed) * 1_000_003 + int(epoch) * 7919 + 17) % (2**63)


def infer(model: torch.nn.Module, images: Any, device: torch.device, precision: str,
          channels_last: bool) -> dict[str, torch.Tensor]:
    """Eval-mode float32 outputs of one batch (no gradients)."""
    with torch.no_grad(), autocast(device, precision):
        out = model(to_input(images, device, channels_last))
    return {k: v.float() for k, v in out.items()}


def objective_loss(objective: Objective, outputs: dict[str, torch.Tensor], target: torch.Tensor,
                   labels: torch.Tensor) -> torch.Tensor:
    """The core's objective on this batch (the box output in float32, as autocast may give bf16)."""
    total, _ = objective({**outputs, "box": outputs["box"].float()}, target.float(), labels, xp=torch)
    return total


def validate(model: torch.nn.Module, pipeline: Pipeline, objective: Objective, device: torch.device,
             precision: str, channels_last: bool) -> tuple[Outputs, float]:
    """Outputs over the whole val pipeline (eval mode) and the mean objective over its items; on
    several processes each evaluates its chunk of the split and the chunks are gathered."""
    world = ddp.size()
    if world > 1:
        rank = torch.distributed.get_rank()
        parts = ddp.gather(_validate(model, pipeline.eval_shard(rank, world), objective, device, precision,
                                     channels_last))
        boxes = [p[0] for p in parts if p[0] is not None]
        logits = [p[1] for p in parts if p[1] is not None]
        total, count = sum(p[2] for p in parts), sum(p[3] for p in parts)
        return Outputs(np.concatenate(boxes), np.concatenate(logits) if logits else None), total / max(count, 1)
    box, logit, total, count = _validate(model, pipeline, objective, device, precision, channels_last)
    return Outputs(box, logit), total / max(count, 1)


def _validate(model: torch.nn.Module, pipeline: Pipeline, objective: Objective, device: torch.device,
              precision: str, channels_last: bool) -> tuple[np.ndarray | None, np.ndarray | None, float, int]:
    """(boxes, logits, summed loss, item count) of `pipeline`'s items (None, None, 0, 0 without)."""
    model.eval()
    box, logits, total, count = [], [], 0.0, 0
    for images, target, labels in (batches(pipeline, 0) if len(pipeline.indices) else []):
        out = infer(model, images, device, precision, channels_last)
        loss = objective_loss(objective, out, target.to(device), labels.to(device))
        total += float(loss) * len(images)
        count += len(images)
        box.append(out["box"].cpu().numpy())
        if "logits" in out:
            logits.append(out["logits"].cpu().numpy())
    model.train()
    return (np.concatenate(box) if box else None, np.concatenate(logits) if logits else None, total, count)


def train_mode(model: torch.nn.Module, frozen: bool) -> None:
    """Training mode, with the backbone frozen (no gradients, BatchNorm in inference mode) when
    `frozen` (the rule is `zoo.finetune`'s)."""
    model.train()
    backbone = getattr(ddp.unwrap(model), "backbone", None)
    if backbone is None:
        return
    backbone.requires_grad_(not frozen)
    if frozen:
        backbone.eval()


def param_groups(model: torch.nn.Module, spec: TrainSpec) -> list[dict[str, Any]]:
    """The head's and vectorizer's parameters at lr, the backbone's at lr * `backbone_lr`
    (first group: the head's, whose lr is the one logged)."""
    backbone = getattr(model, "backbone", None)
    mine = {id(p) for p in backbone.parameters()} if backbone is not None else set()
    rest = [p for p in model.parameters() if id(p) not in mine]
    groups: list[dict[str, Any]] = [{"params": rest}]
    if mine:
        groups.append({"params": list(backbone.parameters()),  # type: ignore[union-attr]
                       "lr": spec.lr * finetune.backbone_lr_multiplier(spec)})
    return groups


def train_epoch(model: torch.nn.Module, pipeline: Pipeline, epoch: int, epochs: int, objective: Objective,
                optimizer: torch.optim.Optimizer, schedule: Schedule, device: torch.device, precision: str,
                channels_last: bool, monitor: Monitor, frozen: bool = False) -> dict[str, float]:
    """One pass (the backbone `frozen` or not, `zoo.finetune`); returns the mean loss, the lr of
    the last step and train images/s (over every process). Stops at the first non-finite loss
    (`Monitor.end_batch` raises), before that step is taken."""
    train_mode(model, frozen)
    total, count, lr = 0.0, 0, schedule.lr
    world = ddp.size()
    start = time.perf_counter()
    bar = tqdm(weighted_batches(pipeline, epoch), total=len(pipeline), desc=f"epoch {epoch + 1}/{epochs}",
               unit="batch", leave=False, dynamic_ncols=True, disable=not (bars() and monitor.verbose))
    for step, ((images, target, labels), weight) in enumerate(bar):
        x = to_input(images, device, channels_last)
        with autocast(device, precision):
            out = model(x)
        loss = objective_loss(objective, out, target.to(device), labels.to(device))
        value = float(loss.detach())
        monitor.end_batch(epoch, step, value)
        optimizer.zero_grad(set_to_none=True)
        (loss * (weight * world) if world > 1 else loss).backward()
        optimizer.step()
        lr = schedule.lr
        schedule.step_batch()
        if weight > 0:  # a padding part (weight 0) trains on nothing
            total += value * len(x)
            count += len(x)
        bar.set_postfix(loss=f"{total / max(count, 1):.4f}", lr=f"{lr:.2e}")
    bar.close()
    total, count, seconds = ddp.sums([total, count, 0.0], device)[:2] + [time.perf_counter() - start]
    return {"loss": total / max(count, 1), "lr": lr, "images_per_second": count / max(seconds, 1e-9)}


def fit(model: torch.nn.Module, plan: Plan, train: Pipeline, val: Pipeline, monitor: Monitor, run_dir: Path,
        resume: bool, device: torch.device) -> torch.nn.Module:
    """See `zoo.interfaces.framework.Framework.fit`."""
    spec = plan.recipe.train
    channels_last = spec.precision == "bf16"
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    objective = plan.objective()
    optimizer = make_optimizer(param_groups(model, spec), spec)
    schedule = Schedule(optimizer, spec, steps_per_epoch=len(train))
    directory = Path(run_dir) / CHECKPOINT_DIR
    start = 0
    state = checkpoint.load_state(directory, model) if resume else None
    if state is not None:
        try:
            optimizer.load_state_dict(state["optimizer"])
            schedule.load_state_dict(state["schedule"])
            checkpoint.set_rng_state(state["rng"])
        except Exception as exc:  # noqa: BLE001 - a state from another recipe or version
            raise checkpoint.damaged(directory / checkpoint.STATE, exc,
                                     checkpoint.RESUME_FIX.format(dir=directory)) from None
        start = int(state["epoch"])
    stopped = monitor.stopped_after(start)  # a resumed run that early stopping had ended
    net = ddp.wrap(model, device, spec.sync_batchnorm, unused_parameters=spec.freeze_backbone > 0)
    writes = monitor.writes
    for epoch in range(start, spec.epochs):
        if stopped:
            break
        torch.manual_seed(epoch_seed(spec.seed, epoch))
        logs = train_epoch(net, train, epoch, spec.epochs, objective, optimizer, schedule, device,
                           spec.precision, channels_last, monitor, finetune.backbone_frozen(spec, epoch))
        outputs, val_loss = validate(net, val, objective, device, spec.precision, channels_last)
        schedule.step_epoch(val_loss)
        logs = {"loss": logs["loss"], "val_loss": val_loss, "lr": logs["lr"],
                "images_per_second": logs["images_per_second"]}
        stopped = monitor.end_epoch(epoch, logs, outputs)
        model = ddp.unwrap(net)
        if writes and monitor.best_epoch == epoch:
            checkpoint.save_weights(model, directory / checkpoint.BEST)
        if writes:
            checkpoint.save_state(directory, model=model, optimizer=optimizer, schedule=schedule.state_dict(),
                                  epoch=epoch + 1, stopped=stopped)
    model = ddp.unwrap(net)
    ddp.leave()  # no collective after the last epoch: rank 0 alone tests and writes
    model.requires_grad_(True)  # unfrozen whatever the last epoch was
    best = directory / checkpoint.BEST
    if writes and best.exists():
        checkpoint.load_weights(model, best)
    return model.to(memory_format=torch.contiguous_format)

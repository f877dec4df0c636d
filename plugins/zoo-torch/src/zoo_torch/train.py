"""The fit loop: epochs of optimizer steps with a tqdm progress bar (on a terminal only, see
`zoo.progress`; logs get the Monitor's one line per epoch), validation after every
epoch, the recipe's schedule, early stopping through `zoo.monitor.Monitor`, an atomic
checkpoint per epoch, exact resume and best-weights restore.

Speed (docs/performance.md): batches come straight from the pipeline's numpy batches (its
decoding threads), prepared one batch ahead in a background thread, and become tensors without
a copy; the model and its inputs use channels_last memory on CPU (`channels_last`); the step
losses stay on the device and are read back every ``Monitor.read_every`` steps, not per step.

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
import queue
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import torch
from tqdm.auto import tqdm

from zoo.plugin import CHECKPOINT_DIR, Objective, Outputs, TrainSpec, bars, finetune
from zoo_torch import checkpoint, freeze
from zoo_torch import distributed as ddp
from zoo_torch.optim import Schedule, make_optimizer

if TYPE_CHECKING:
    from zoo.plugin import Monitor, Pipeline, Plan

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]
T = TypeVar("T")


def weighted_batches(pipeline: Pipeline, epoch: int) -> Iterator[tuple[Batch, float]]:
    """`batches` of `epoch` with each one's share of its global batch (`zoo.distributed.LocalBatch`)."""
    for batch in prefetched(pipeline.batches(epoch)):
        yield _tensors(batch), batch.weight


def batches(pipeline: Pipeline, epoch: int) -> Iterator[Batch]:
    """(uint8 NHWC images, xyxy boxes, labels) tensors of `epoch` (this rank's parts when the
    pipeline is sharded): ``pipeline.batches`` (its ``workers`` decoding threads, ``zoo train
    --workers``), one batch prepared ahead (`prefetched`), as tensors sharing the arrays' memory."""
    for batch in prefetched(pipeline.batches(epoch)):
        yield _tensors(batch)


def _tensors(batch: Any) -> Batch:
    # np.stack in the pipeline's collate made fresh, writable arrays: from_numpy copies nothing
    return (torch.from_numpy(batch.images), torch.from_numpy(batch.boxes), torch.from_numpy(batch.labels))


def prefetched(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """`items` in order, up to `depth` of them produced ahead by a background thread (decoding
    overlaps the train step: torch releases the GIL in its kernels); the producer's exception is
    raised here, and a consumer that stops early stops the producer."""
    buffer: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    done = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not done.is_set():
                    try:
                        buffer.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if done.is_set():
                    return
            buffer.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            buffer.put(("error", exc))

    thread = threading.Thread(target=produce, name="zoo-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = buffer.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        done.set()
        thread.join()


def channels_last(device: torch.device, precision: str) -> bool:
    """Whether the model and its inputs use channels_last memory: on CPU always (oneDNN's
    convolutions run NHWC natively: measured faster on every benchmarked backbone, fp32 and
    bf16, docs/performance.md), on an accelerator for bf16 (tensor cores); NCHW for fp32 there."""
    return device.type == "cpu" or precision == "bf16"


@contextlib.contextmanager
def memory_layout(model: torch.nn.Module, last: bool) -> Iterator[torch.nn.Module]:
    """`model` in channels_last memory inside the block when `last`, contiguous NCHW after it
    (what is saved, exported and handed back)."""
    if not last:
        yield model
        return
    model.to(memory_format=torch.channels_last)
    try:
        yield model
    finally:
        model.to(memory_format=torch.contiguous_format)


def inference_layout(model: torch.nn.Module, last: bool) -> torch.nn.Module:
    """`model` in channels_last memory when `last`, and left so: converting costs a copy of every
    weight (resnet18: 45 MB, up to 130 ms on one core against an 8 ms batch-1 forward at 48 px),
    so `predict` converts once and its later calls find the model already converted (`.to` then
    copies nothing). Saving (`checkpoint.weights_of`) and exporting take contiguous copies."""
    return model.to(memory_format=torch.channels_last) if last else model


def to_input(images: torch.Tensor | np.ndarray, device: torch.device, channels_last: bool) -> torch.Tensor:
    """uint8 NHWC -> float32 NCHW in [0, 255] on `device` (channels_last memory when asked: the
    permuted NHWC tensor already is, so no copy is made)."""
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
    box, logits, total, count = [], [], torch.zeros((), device=device), 0
    for images, target, labels in (batches(pipeline, 0) if len(pipeline.indices) else []):
        out = infer(model, images, device, precision, channels_last)
        total += objective_loss(objective, out, target.to(device), labels.to(device)) * len(images)
        count += len(images)
        box.append(out["box"].cpu().numpy())
        if "logits" in out:
            logits.append(out["logits"].cpu().numpy())
    model.train()
    return (np.concatenate(box) if box else None, np.concatenate(logits) if logits else None, float(total), count)


def train_mode(model: torch.nn.Module, frozen: bool, fixed: Sequence[torch.nn.Module] = ()) -> None:
    """Training mode, with the backbone frozen (no gradients, BatchNorm in inference mode) when
    `frozen` and its `fixed` first layers frozen always (the rules are `zoo.finetune`'s)."""
    model.train()
    backbone = getattr(ddp.unwrap(model), "backbone", None)
    if backbone is None:
        return
    backbone.requires_grad_(not frozen)
    if frozen:
        backbone.eval()
    freeze.hold(fixed)


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
                channels_last: bool, monitor: Monitor, frozen: bool = False,
                fixed: Sequence[torch.nn.Module] = ()) -> dict[str, float]:
    """One pass (the backbone `frozen` or not, `zoo.finetune`); returns the mean loss, the lr of
    the last step and train images/s (over every process). Stops at the first non-finite loss
    (`Monitor.end_batches` raises), at most ``Monitor.read_every`` steps after it (`StepLosses`)."""
    train_mode(model, frozen, fixed)
    world = ddp.size()
    lr = schedule.lr
    start = time.perf_counter()
    bar = tqdm(weighted_batches(pipeline, epoch), total=len(pipeline), desc=f"epoch {epoch + 1}/{epochs}",
               unit="batch", leave=False, dynamic_ncols=True, disable=not (bars() and monitor.verbose))
    losses = StepLosses(monitor, epoch, device)
    for step, ((images, target, labels), weight) in enumerate(bar):
        x = to_input(images, device, channels_last)
        with autocast(device, precision):
            out = model(x)
        loss = objective_loss(objective, out, target.to(device), labels.to(device))
        optimizer.zero_grad(set_to_none=True)
        (loss * (weight * world) if world > 1 else loss).backward()
        optimizer.step()
        lr = schedule.lr
        schedule.step_batch()
        losses.add(loss.detach(), len(x) if weight > 0 else 0)  # a padding part (weight 0) trains on nothing
        if losses.pending() >= monitor.read_every:
            losses.read()
            bar.set_postfix(loss=f"{losses.mean():.4f}", lr=f"{lr:.2e}")
    bar.close()
    losses.read()
    total, count, seconds = ddp.sums([losses.total, losses.count, 0.0], device)[:2] + [time.perf_counter() - start]
    return {"loss": total / max(count, 1), "lr": lr, "images_per_second": count / max(seconds, 1e-9)}


class StepLosses:
    """The step losses of one epoch, kept on the device and read back together (one host sync
    per ``Monitor.read_every`` steps); each read hands them to `Monitor.end_batches`, which
    raises at the first non-finite one, naming its batch."""

    def __init__(self, monitor: Monitor, epoch: int, device: torch.device) -> None:
        self.monitor, self.epoch, self.device = monitor, epoch, device
        self.values: list[torch.Tensor] = []
        self.counts: list[int] = []
        self.first = 0  # the 0-based batch of values[0]
        self.total, self.count = 0.0, 0

    def add(self, loss: torch.Tensor, count: int) -> None:
        self.values.append(loss.float())
        self.counts.append(count)

    def pending(self) -> int:
        return len(self.values)

    def read(self) -> None:
        if not self.values:
            return
        values = torch.stack(self.values).cpu().tolist()
        self.monitor.end_batches(self.epoch, self.first, values)
        self.total += sum(v * n for v, n in zip(values, self.counts))
        self.count += sum(self.counts)
        self.first += len(values)
        self.values, self.counts = [], []

    def mean(self) -> float:
        return self.total / max(self.count, 1)


def fit(model: torch.nn.Module, plan: Plan, train: Pipeline, val: Pipeline, monitor: Monitor, run_dir: Path,
        resume: bool, device: torch.device) -> torch.nn.Module:
    """See `zoo.interfaces.framework.Framework.fit`."""
    spec = plan.recipe.train
    last = channels_last(device, spec.precision)
    model.to(device)
    with memory_layout(model, last):
        return _fit(model, plan, train, val, monitor, run_dir, resume, device, last)


def _fit(model: torch.nn.Module, plan: Plan, train: Pipeline, val: Pipeline, monitor: Monitor, run_dir: Path,
         resume: bool, device: torch.device, channels_last: bool) -> torch.nn.Module:
    spec = plan.recipe.train
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
    fixed = freeze.fixed_layers(model, spec, plan.recipe.input_size)
    freeze.hold(fixed)  # before DDP, which then leaves their parameters out
    net = ddp.wrap(model, device, spec.sync_batchnorm, unused_parameters=spec.freeze_backbone > 0)
    writes = monitor.writes
    for epoch in range(start, spec.epochs):
        if stopped:
            break
        torch.manual_seed(epoch_seed(spec.seed, epoch))
        logs = train_epoch(net, train, epoch, spec.epochs, objective, optimizer, schedule, device,
                           spec.precision, channels_last, monitor, finetune.backbone_frozen(spec, epoch), fixed)
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
    return model

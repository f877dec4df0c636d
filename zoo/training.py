"""Training, evaluation and prediction, framework-neutral: the core prepares data, the run
directory and metrics; the framework adapter only builds, fits and predicts.

`Monitor` is what a framework calls after each epoch: it decodes the validation outputs,
computes the core metrics, keeps the history (persisted for ``--resume``), tracks the best
epoch and decides early stopping.
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo import boxes, distributed, metrics, provenance, runs
from zoo.assembly import Plan, build_dataset, make_plan, require_weights
from zoo.data import report as data_report
from zoo.data.pipeline import Pipeline
from zoo.errors import ZooError
from zoo.interfaces.dataset import Dataset
from zoo.interfaces.framework import Framework, Outputs
from zoo.recipes import Recipe, apply_overrides, parse
from zoo.registry import Registry
from zoo.validation import validate


def decode_outputs(plan_or_encoding: Plan | str, outputs: Outputs) -> tuple[np.ndarray, np.ndarray | None]:
    """Predicted xyxy boxes clipped to the image, and class indices (None without classes)."""
    encoding = plan_or_encoding if isinstance(plan_or_encoding, str) else plan_or_encoding.encoding
    pred = np.clip(boxes.decode(np.asarray(outputs.box, np.float64), encoding), 0.0, 1.0)
    labels = None if outputs.logits is None else np.asarray(outputs.logits).argmax(-1)
    return pred, labels


class Monitor:
    """Per-epoch bookkeeping shared by every framework.

    Args:
        plan: the plan being trained (for the box encoding).
        run_dir: where history.json / history.csv are written.
        val_targets: (boxes, labels) of the validation split, in pipeline order.
        early_stopping: stop after this many epochs without a val_loss improvement (0 = off);
            the recipe's ``train.early_stopping``.
        writes: whether history files are written and epochs printed (False on every process of
            a distributed run but rank 0, which still decide stopping alike).
    """

    def __init__(self, plan: Plan, run_dir: Path, val_targets: tuple[np.ndarray, np.ndarray],
                 early_stopping: int = 0, verbose: bool = True, writes: bool = True) -> None:
        self.plan = plan
        self.run_dir = Path(run_dir)
        self.val_boxes, self.val_labels = val_targets
        self.early_stopping = early_stopping
        self.verbose = verbose and writes
        self.writes = writes
        self.history: list[dict[str, float]] = []
        path = self.run_dir / "history.json"
        if path.exists():
            self.history = list(runs.read_json(path))

    @property
    def epochs_done(self) -> int:
        return len(self.history)

    @property
    def best_epoch(self) -> int:
        """0-based epoch with the lowest val_loss (ties: the earliest), -1 before any epoch."""
        if not self.history:
            return -1
        return int(np.argmin([h["val_loss"] for h in self.history]))

    def val_metrics(self, outputs: Outputs) -> dict[str, float]:
        pred, labels = decode_outputs(self.plan, outputs)
        has_classes = labels is not None and self.val_labels.min() >= 0
        found = metrics.localization_metrics(pred, self.val_boxes, labels if has_classes else None,
                                             self.val_labels if has_classes else None)
        return {f"val_{k}": v for k, v in found.items() if k != "n"}

    def end_batch(self, epoch: int, batch: int, loss: float) -> None:
        """Check the loss of 0-based `batch` of 0-based `epoch`: NonFiniteLossError (training stops
        there, nothing non-finite is recorded) when it is NaN or infinite. Frameworks call it
        after every optimizer step."""
        check_loss(loss, epoch, batch, self.plan.recipe.train.lr)

    def stopped_after(self, epochs_done: int) -> bool:
        """The early-stopping rule: whether training stops after its first `epochs_done` epochs
        (the best val_loss among them is ``early_stopping`` or more epochs old). A framework asks
        it when resuming; `end_epoch` answers it after every epoch."""
        if not self.early_stopping or epochs_done < 1 or len(self.history) < epochs_done:
            return False
        best = int(np.argmin([h["val_loss"] for h in self.history[:epochs_done]]))
        return epochs_done - 1 - best >= self.early_stopping

    def end_epoch(self, epoch: int, logs: dict[str, float], outputs: Outputs) -> bool:
        """Record epoch `epoch` (0-based); return True when training should stop. A non-finite
        loss or val_loss raises NonFiniteLossError before anything is recorded."""
        for key in ("loss", "val_loss"):
            if key in logs:
                check_loss(float(logs[key]), epoch, None, self.plan.recipe.train.lr, key)
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in logs.items()}, **self.val_metrics(outputs)}
        self.history = self.history[:epoch] + [row]
        if self.writes:
            runs.write_json(self.run_dir / "history.json", self.history)
            runs.atomic_write(self.run_dir / "history.csv", _csv(self.history))
        if self.verbose:
            shown = "  ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "epoch")
            print(f"epoch {row['epoch']}: {shown}", flush=True)
        return self.stopped_after(epoch + 1)


class NonFiniteLossError(ZooError):
    """The training loss became NaN or infinite; training stops at once."""


def check_loss(loss: float, epoch: int, batch: int | None, lr: float, name: str = "loss") -> None:
    """NonFiniteLossError naming where `loss` (of 0-based `epoch` and `batch`) stopped being finite."""
    if np.isfinite(loss):
        return
    where = f"epoch {epoch + 1}" + (f", batch {batch + 1}" if batch is not None else "")
    raise NonFiniteLossError(f"{name} is {float(loss)} at {where}: training stopped; lower train.lr (now {lr:g}), "
                             f"use precision fp32, or check the data for broken boxes")


def _csv(rows: list[dict[str, float]]) -> str:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, keys)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


@dataclass
class Data:
    """A recipe's dataset and its train / val / test pipelines."""

    dataset: Dataset
    train: Pipeline
    val: Pipeline
    test: Pipeline


def prepare_data(recipe: Recipe, dataset: Dataset, workers: int = 2) -> Data:
    """Split `dataset` and make its pipelines; without a val split, a seeded 10 % of train."""
    splits = {k: np.asarray(v, np.int64) for k, v in dataset.splits().items()}
    if "train" not in splits or len(splits["train"]) == 0:
        raise ZooError(f"dataset {recipe.dataset.name!r} has no training items")
    train = splits["train"]
    val = splits.get("val")
    if val is None or len(val) == 0:
        perm = np.random.default_rng([recipe.train.seed, 11]).permutation(train)
        n_val = max(1, len(train) // 10)
        val, train = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    test = splits.get("test")
    if test is None or len(test) == 0:
        test = val
    t, size = recipe.train, recipe.input_size
    return Data(
        dataset,
        Pipeline(dataset, train, size, t.batch_size, shuffle=True, seed=t.seed, augment=recipe.augment,
                 steps_per_epoch=t.steps_per_epoch, workers=workers),
        Pipeline(dataset, val, size, t.batch_size, workers=workers),
        Pipeline(dataset, test, size, t.batch_size, workers=workers),
    )


def evaluate_outputs(plan: Plan, outputs: Outputs, test: Pipeline, train: Pipeline) -> dict[str, Any]:
    """Test metrics and the mean-box baseline."""
    true_boxes, true_labels = test.targets()
    pred, labels = decode_outputs(plan, outputs)
    has_classes = labels is not None and len(true_labels) and true_labels.min() >= 0
    result = metrics.localization_metrics(pred, true_boxes, labels if has_classes else None,
                                          true_labels if has_classes else None)
    train_boxes, train_labels = train.targets()
    result["baseline"] = metrics.baseline_metrics(train_boxes, true_boxes,
                                                  train_labels if has_classes else None,
                                                  true_labels if has_classes else None)
    return result


def train(recipe: Recipe | None, framework: str, reg: Registry, out: str | Path | None = None,
          resume: str | Path | None = None, workers: int = 2, epochs: int | None = None) -> Path:
    """Train `recipe` on `framework`; return the run directory (see `zoo.runs`). Every part of the
    recipe, dataset parameters included, is validated before anything is built or written; then
    the run directory is claimed (`zoo.runs.claim`: of two trainings given one `out`, one wins).
    A run that fails before training starts leaves nothing; after, run.json says ``failed`` or
    ``interrupted`` with the reason. With `resume`, the run's own recipe and framework are used
    (`recipe` and `framework` are ignored) and `epochs`, when given, extends the run.

    Under a distributed launcher (`zoo.distributed.world`) every process calls this; rank 0 alone
    claims and writes the run directory. A process restarted by torchrun (``--max-restarts``) with
    `out` holding this run's checkpoint resumes it."""
    world = distributed.world()
    if resume is None and out and world.restart > 0 and (Path(out) / runs.RUN).exists():
        resume = out
    if resume is not None:
        run_dir = runs.check_run(resume)
        recipe = runs.read_recipe(run_dir)
        framework = runs.read_run(run_dir)["framework"]
        validate(recipe, reg, framework)
        if epochs is not None and epochs != recipe.train.epochs:
            recipe = _extended(recipe, epochs, run_dir)
            if world.chief:
                runs.write_recipe(run_dir, recipe)
        claim = runs.resumed(run_dir) if world.chief else _NoClaim()
    else:
        if recipe is None:
            raise ZooError("train needs a recipe (or resume=RUN)")
        validate(recipe, reg, framework)
        require_weights(recipe, framework, reg)
        if world.chief:
            claim = runs.claim(out) if out else runs.claim_new(recipe.name, framework)
            run_dir = claim.run_dir
        else:  # writes nothing: its run_dir is only read, on resume
            run_dir, claim = Path(out) if out else runs.new_dir(recipe.name, framework), _NoClaim()
    with claim:
        return _train(recipe, framework, reg, run_dir, claim, resume is not None, workers, world)


class _NoClaim:
    """What processes other than rank 0 hold instead of a `runs.Claim`: they write nothing."""

    def __enter__(self) -> _NoClaim:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def started(self) -> None:
        return None


def _extended(recipe: Recipe, epochs: int, run_dir: Path) -> Recipe:
    """`recipe` with `epochs` for a resumed run; ZooError when the run already has more."""
    history = runs.read_json(run_dir / runs.HISTORY) if (run_dir / runs.HISTORY).exists() else []
    if epochs < len(history):
        raise ZooError(f"--epochs {epochs} is fewer than the {len(history)} epochs {str(run_dir)!r} already has; "
                       f"give more to continue it, or omit --epochs")
    raw = apply_overrides({"name": recipe.name, **recipe.to_dict()}, (f"train.epochs={epochs}",), recipe.name)
    return parse(raw.pop("name"), raw)  # the range checks of train.epochs apply


def _train(recipe: Recipe, framework: str, reg: Registry, run_dir: Path, claim: runs.Claim | _NoClaim,
           resume: bool, workers: int, world: distributed.World) -> Path:
    engine: Framework = reg.framework(framework)
    if world.distributed:
        engine.join(world)
    if not resume and world.chief:
        runs.write_recipe(run_dir, recipe)
    dataset = build_dataset(recipe, reg)
    plan = make_plan(recipe, framework, reg, num_classes=dataset.num_classes)
    data = prepare_data(recipe, dataset, workers)
    data.train = data.train.sharded(world.rank, world.size)
    if world.chief:
        runs.update_run(run_dir, framework=framework, recipe=recipe.name, num_classes=plan.num_classes,
                        class_names=list(dataset.class_names), device=engine.device(), status="training",
                        data_notes=dataset.report().lines(), reason=None, components=provenance.record(plan),
                        world_size=world.size)
        data_report.record(dataset, run_dir, echo=lambda line: print(line, flush=True))
    claim.started()
    monitor = Monitor(plan, run_dir, data.val.targets(), recipe.train.early_stopping, writes=world.chief)
    model = engine.build(plan)
    start = time.perf_counter()
    model = engine.fit(model, plan, data.train, data.val, monitor, run_dir, resume=resume)
    seconds = time.perf_counter() - start
    if not world.chief:  # rank 0 evaluates the whole test split and writes; the others are done
        return run_dir
    engine.save(model, run_dir)
    outputs = engine.predict(model, data.test.images())
    result = evaluate_outputs(plan, outputs, data.test, data.train)
    previous = runs.read_run(run_dir).get("train_seconds", 0.0) if resume else 0.0
    info = runs.update_run(run_dir, status="done", epochs=monitor.epochs_done, best_epoch=monitor.best_epoch + 1,
                           train_seconds=round(previous + seconds, 2))
    metrics_out = {"framework": framework, "recipe": recipe.name, "split": "test", **result,
                   "val": {k: v for k, v in monitor.history[monitor.best_epoch].items()} if monitor.history else {},
                   "epochs": info["epochs"], "best_epoch": info["best_epoch"], "train_seconds": info["train_seconds"],
                   "params": engine.count_params(model, plan), "components": provenance.record(plan),
                   "world_size": world.size}
    runs.write_json(run_dir / runs.METRICS, metrics_out)
    from zoo import plots

    plots.curves(monitor.history, run_dir / "curves.png", title=f"{recipe.name} ({framework})")
    plots.predictions_grid(data.test, *decode_outputs(plan, outputs), run_dir / "predictions.png",
                           class_names=dataset.class_names)
    return run_dir


def load_run(run_dir: str | Path, reg: Registry) -> tuple[Plan, Any, Framework]:
    """The plan, trained model and framework adapter of a run directory."""
    path = runs.check_run(run_dir)
    info = runs.read_run(path)
    recipe = runs.read_recipe(path)
    plan = make_plan(recipe, info["framework"], reg, num_classes=int(info.get("num_classes", 0)), check_weights=False)
    provenance.warn_if_changed(info.get("components"), plan)
    engine: Framework = reg.framework(info["framework"])
    return plan, engine.load(plan, path), engine


def evaluate(run_dir: str | Path, reg: Registry, overrides: tuple[str, ...] = (), split: str = "test",
             workers: int = 2) -> dict[str, Any]:
    """Metrics of a trained run on its recipe's test split (``--set dataset.x=...`` to change data)."""
    plan, model, engine = load_run(run_dir, reg)
    recipe = plan.recipe
    if overrides:
        raw = apply_overrides({"name": recipe.name, **recipe.to_dict()}, overrides, recipe.name)
        recipe = parse(raw.pop("name"), raw)
        validate(recipe, reg, plan.framework)
    dataset = build_dataset(recipe, reg, recipe.dataset)
    data = prepare_data(recipe, dataset, workers)
    pipeline = {"test": data.test, "val": data.val, "train": data.train}[split]
    if split == "train":
        pipeline = Pipeline(dataset, pipeline.indices, recipe.input_size, recipe.train.batch_size, workers=workers)
    result = evaluate_outputs(plan, engine.predict(model, pipeline.images()), pipeline, data.train)
    return {"run": str(run_dir), "framework": plan.framework, "recipe": recipe.name, "split": split,
            "dataset": recipe.dataset.to_dict(), **result}

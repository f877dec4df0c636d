"""The train orchestration, framework-neutral: the core validates, claims the run directory,
prepares the data (`zoo.evaluation`) and the per-epoch `zoo.monitor.Monitor`, and scores the test
set once; the framework adapter only builds, fits and predicts.

`Monitor`, `decode_outputs`, `prepare_data`, `evaluate`, `load_run` and `evaluate_outputs` are
re-exported here for callers of the earlier single module.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zoo import distributed, provenance, runs, test_time
from zoo.assembly import build_dataset, make_plan, require_weights
from zoo.data import held
from zoo.data import report as data_report
from zoo.errors import ZooError
from zoo.evaluation import Data, evaluate, evaluate_outputs, load_run, prepare_data
from zoo.interfaces.framework import Framework
from zoo.monitor import Monitor, NonFiniteLossError, check_loss, decode_outputs
from zoo.recipes import Recipe, apply_overrides, parse
from zoo.registry import Registry
from zoo.validation import Resolved, validated_parts

__all__ = ["Data", "Monitor", "NonFiniteLossError", "build_dataset", "check_loss", "decode_outputs", "evaluate",
           "evaluate_outputs", "load_run", "make_plan", "prepare_data", "train"]


#: seconds a process restarted by torchrun waits for the run's lock (`zoo.runs.lock`)
RESTART_WAIT = 60.0


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
    extend = False  # a resumed run given more epochs: its recipe.yaml is rewritten once it is locked
    if resume is not None:
        run_dir = runs.check_run(resume)
        recipe = runs.read_recipe(run_dir)
        framework = runs.read_run(run_dir)["framework"]
        parts = validated_parts(recipe, reg, framework)
        extend = epochs is not None and epochs != recipe.train.epochs
        if extend:
            recipe = _extended(recipe, epochs, run_dir)
        # locked: one trainer at a time; a torchrun restart waits for its predecessor's workers to exit
        claim = runs.resumed(run_dir, wait=RESTART_WAIT if world.restart > 0 else 0.0) if world.chief else _NoClaim()
    else:
        if recipe is None:
            raise ZooError("train needs a recipe (or resume=RUN)")
        parts = validated_parts(recipe, reg, framework)
        require_weights(recipe, framework, reg)
        if world.chief:
            claim = runs.claim(out) if out else runs.claim_new(recipe.name, framework)
            run_dir = claim.run_dir
        else:  # writes nothing: its run_dir is only read, on resume
            run_dir, claim = Path(out) if out else runs.new_dir(recipe.name, framework), _NoClaim()
    with claim:
        if extend and world.chief:
            runs.write_recipe(run_dir, recipe)
        return _train(recipe, framework, reg, run_dir, claim, resume is not None, workers, world, parts)


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
           resume: bool, workers: int, world: distributed.World, parts: Mapping[str, Resolved]) -> Path:
    engine: Framework = reg.framework(framework)
    if world.distributed:
        engine.join(world)
    if not resume and world.chief:
        runs.write_recipe(run_dir, recipe)
    dataset = build_dataset(recipe, reg)
    plan = make_plan(recipe, framework, reg, num_classes=dataset.num_classes, parts=parts)  # resolved once
    data = prepare_data(recipe, dataset, workers)
    data.train = data.train.sharded(world.rank, world.size)
    if world.chief:
        runs.update_run(run_dir, framework=framework, recipe=recipe.name, num_classes=plan.num_classes,
                        class_names=list(dataset.class_names), device=engine.device(), status="training",
                        data_notes=dataset.report().lines(), reason=None, components=provenance.record(plan),
                        world_size=world.size)
        data_report.record(dataset, run_dir, echo=lambda line: print(line, flush=True))
        holding = held.summary({"train": data.train, "val": data.val, "test": data.test})
        if holding:
            print(holding, flush=True)
    claim.started()
    monitor = Monitor(plan, run_dir, data.val.targets(), recipe.train.early_stopping, writes=world.chief)
    model = engine.build(plan)
    start = time.perf_counter()
    model = engine.fit(model, plan, data.train, data.val, monitor, run_dir, resume=resume)
    seconds = time.perf_counter() - start
    if not world.chief:  # rank 0 evaluates the whole test split and writes; the others are done
        return run_dir
    engine.save(model, run_dir)
    outputs = test_time.predict(engine, model, plan, data.test.images)
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

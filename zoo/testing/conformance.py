"""Conformance checks a plugin author runs against each component, through the framework
adapter's public API only (build, summary, fit, predict, save, load).

`check_component(kind, name, framework, params)` puts the component into a minimal recipe
(the rest standard, cheap components on `zoo.testing`'s tiny dataset), then checks:

* declaration: the parameters resolve idempotently, the metadata is complete, and the recipe
  survives ``to_dict`` -> YAML -> ``parse`` unchanged and validates for the framework;
* shapes: a backbone's feature map has the declared ``out_channels`` and roughly
  ``input / stride`` cells (from ``summary``); the box output has ``zoo.boxes.size(encoding)``
  values, logits have K, both float32 (from ``predict``);
* training: a few epochs on one fixed batch lower the training loss and change the weights;
* checkpoints: ``save`` then ``load`` predicts the same.

A dataset (framework-neutral) gets the data checks, and with a framework also the training one.
Every failure is collected and raised together as one `ConformanceError`.
"""
from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from zoo import boxes
from zoo.interfaces.component import NEUTRAL, REQUIRED_META, Kind
from zoo.interfaces.dataset import DataReport, Dataset, Sample
from zoo.preprocess import MODES
from zoo.recipes import Recipe, parse
from zoo.registry import Registry
from zoo.testing.data import with_tiny_dataset
from zoo.testing.minimal import (
    component_info,
    is_registered,
    BATCH,
    FIT_EPOCHS,
    FIT_LR,
    component_recipe,
    current_registry,
    framework_engine,
)


class ConformanceError(AssertionError):
    """One or more conformance checks failed; the message lists each."""


@dataclass
class Report:
    """What `check_component` checked: (check, ok, detail) rows."""

    component: str
    rows: list[tuple[str, bool, str]] = field(default_factory=list)

    def ok(self, check: str, detail: str = "") -> None:
        self.rows.append((check, True, detail))

    def fail(self, check: str, detail: str) -> None:
        self.rows.append((check, False, detail))

    def expect(self, cond: bool, check: str, detail: str) -> bool:
        (self.ok if cond else self.fail)(check, detail)
        return cond

    @property
    def failures(self) -> list[tuple[str, str]]:
        return [(c, d) for c, ok, d in self.rows if not ok]

    def lines(self) -> list[str]:
        return [f"{'ok  ' if ok else 'FAIL'} {c}: {d}" for c, ok, d in self.rows]

    def raise_failures(self) -> None:
        if self.failures:
            body = "\n".join(f"  - {c}: {d}" for c, d in self.failures)
            raise ConformanceError(f"{self.component}: {len(self.failures)} conformance check(s) failed:\n{body}")


# -- the checks -----------------------------------------------------------------------------------
def check_config(kind: Kind, name: str, params: Mapping[str, Any] | None, framework: str | None,
                 reg: Registry, report: Report) -> None:
    """Parameters resolve idempotently; metadata is complete for the kind."""
    info = component_info(reg, kind, name, framework)
    try:
        resolved = info.resolve(dict(params or {}))
    except ValueError as exc:
        report.fail("params resolve", str(exc))
        return
    report.expect(info.resolve(resolved) == resolved, "params resolve idempotently",
                  f"resolve(resolve(params)) == resolve(params) for {resolved}")
    try:
        same = yaml.safe_load(yaml.safe_dump(resolved)) == resolved
        report.expect(same, "params are plain data", "resolved parameters survive a YAML round trip")
    except yaml.YAMLError as exc:
        report.fail("params are plain data", f"resolved parameters {resolved} are not YAML data: {exc}")
    try:
        meta = info.metadata(resolved)
    except Exception as exc:  # noqa: BLE001 - reported
        report.fail("metadata", f"metadata({resolved}) raised {type(exc).__name__}: {exc}")
        return
    missing = [k for k in REQUIRED_META[kind] if k not in meta]
    report.expect(not missing, "metadata keys", f"missing {missing}" if missing else f"{sorted(meta)}")
    if kind == "backbone" and "preprocessing" in meta:
        report.expect(meta["preprocessing"] in MODES, "preprocessing mode",
                      f"{meta['preprocessing']!r} must be one of {sorted(MODES)}")


def check_recipe_roundtrip(recipe: Recipe, reg: Registry, framework: str | None, report: Report) -> bool:
    """to_dict -> YAML -> parse gives the same recipe, and it validates for `framework`."""
    try:
        again = parse(recipe.name, yaml.safe_load(yaml.safe_dump(recipe.to_dict())))
        report.expect(again == recipe, "recipe round trip", "to_dict -> YAML -> parse is unchanged"
                      if again == recipe else f"{again} != {recipe}")
    except Exception as exc:  # noqa: BLE001 - reported
        report.fail("recipe round trip", f"{type(exc).__name__}: {exc}")
    if framework in (None, NEUTRAL):
        return True  # a dataset alone: the standard components around it need a framework
    from zoo.validation import problems

    found = problems(recipe, reg, framework)
    return report.expect(not found, "recipe validates", "; ".join(found) or f"for {framework or 'any framework'}")


def check_dataset(ds: Any, report: Report, items: int = 4) -> bool:
    """A built dataset honours the Dataset contract (types, shapes, ranges, splits, report).
    Returns True only when every check passed (the failures are in `report`)."""
    before = len(report.failures)
    if not report.expect(isinstance(ds, Dataset), "dataset type", f"{type(ds).__name__} is a zoo Dataset"):
        return False
    n = len(ds)
    report.expect(n > 0, "dataset length", f"{n} items")
    tb, tl = ds.targets()
    tb, tl = np.asarray(tb), np.asarray(tl)
    report.expect(tb.shape == (n, 4) and tb.dtype == np.float32, "targets boxes",
                  f"shape {tb.shape} dtype {tb.dtype}, want ({n}, 4) float32")
    report.expect(tl.shape == (n,) and np.issubdtype(tl.dtype, np.integer), "targets labels",
                  f"shape {tl.shape} dtype {tl.dtype}, want ({n},) int")
    valid = bool(np.all((tb >= 0) & (tb <= 1)) and np.all(tb[:, 2] > tb[:, 0]) and np.all(tb[:, 3] > tb[:, 1]))
    report.expect(valid, "targets in range", "normalized xyxy in [0, 1] with x2 > x1, y2 > y1")
    k = ds.num_classes
    ok = bool(np.all(tl == -1)) if k == 0 else bool(np.all((tl >= 0) & (tl < k)))
    report.expect(ok, "labels vs classes", f"{k} class names; labels {sorted(set(tl.tolist()))[:8]}")
    splits = {s: np.asarray(v) for s, v in ds.splits().items()}
    report.expect("train" in splits and len(splits["train"]) > 0, "splits", f"{ {s: len(v) for s, v in splits.items()} }")
    bad = [s for s, v in splits.items() if s not in ("train", "val", "test") or (len(v) and (v.min() < 0 or v.max() >= n))]
    report.expect(not bad, "split indices", f"bad splits {bad}" if bad else "names and indices valid")
    report.expect(isinstance(ds.report(), DataReport), "data report", f"{type(ds.report()).__name__}")
    for i in range(min(items, n)):
        for size in (None, (24, 40)):
            s = ds.load(i, size)
            if not isinstance(s, Sample):
                report.fail("load", f"load({i}) returned {type(s).__name__}, not a Sample")
                return False
            img = np.asarray(s.image)
            want = (*size, 3) if size else (img.shape[0], img.shape[1], 3)
            if img.dtype != np.uint8 or img.shape != want:
                report.fail("load image", f"load({i}, size={size}): {img.dtype} {img.shape}, want uint8 {want}")
                return False
            if not np.allclose(np.asarray(s.box), tb[i]) or s.label != tl[i]:
                report.fail("load vs targets", f"item {i}: box/label differ from targets()")
                return False
    report.ok("load", f"first {min(items, n)} items: uint8 HWC RGB, resized on request, match targets")
    return len(report.failures) == before


def check_training(recipe: Recipe, framework: str, reg: Registry, report: Report,
                   dataset: Dataset | None = None, fit: bool = True) -> None:
    """Build, summarize and predict; with `fit`, also fit a few epochs on one fixed batch,
    predict again, save and load."""
    from zoo.assembly import build_dataset, make_plan
    from zoo.data.pipeline import Pipeline
    from zoo.monitor import Monitor

    engine = framework_engine(framework, reg)
    ds = dataset if dataset is not None else build_dataset(recipe, reg)
    plan = make_plan(recipe, framework, reg, num_classes=ds.num_classes)
    idx = np.asarray(ds.splits()["train"])[:BATCH]
    batch = Pipeline(ds, idx, recipe.input_size, len(idx))
    images = next(iter(batch.batches(0))).images

    model = _step(report, "build", lambda: engine.build(plan))
    if model is None:
        return
    summary = _step(report, "summary", lambda: engine.summary(model, plan))
    if summary is not None:
        _check_backbone_shape(plan, summary, framework, engine, report)
    before = _step(report, "predict", lambda: engine.predict(model, [images]))
    if before is None:
        return
    _check_outputs(plan, before, len(idx), report)
    if not fit:
        return
    with tempfile.TemporaryDirectory(prefix="zoo-conformance-") as tmp:
        run_dir = Path(tmp)
        monitor = Monitor(plan, run_dir, batch.targets(), verbose=False)
        trained = _step(report, "fit", lambda: engine.fit(model, plan, batch, batch, monitor, run_dir, resume=False))
        if trained is None:
            return
        hist = [h["loss"] for h in monitor.history]
        report.expect(len(hist) == recipe.train.epochs, "fit epochs", f"{len(hist)} epochs recorded by the monitor")
        if hist:
            report.expect(all(math.isfinite(v) for v in hist), "loss finite", f"{[round(v, 4) for v in hist]}")
            report.expect(hist[-1] < hist[0], "fit lowers the loss",
                          f"first {hist[0]:.5g} -> last {hist[-1]:.5g} over {len(hist)} epochs on one batch")
        after = _step(report, "predict after fit", lambda: engine.predict(trained, [images]))
        if after is not None:
            report.expect(not np.allclose(before.box, after.box), "fit changes the weights",
                          f"max |box change| {float(np.abs(before.box - after.box).max()):.3g}")
        saved = _step(report, "save", lambda: engine.save(trained, run_dir))
        if saved is None or after is None:
            return
        loaded = _step(report, "load", lambda: engine.load(plan, run_dir))
        if loaded is None:
            return
        again = _step(report, "predict after load", lambda: engine.predict(loaded, [images]))
        if again is not None:
            report.expect(np.allclose(again.box, after.box, atol=1e-5), "save/load round trip",
                          f"max |difference| {float(np.abs(again.box - after.box).max()):.3g}")


def _step(report: Report, what: str, fn: Callable[[], Any]) -> Any:
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - every failure is reported
        report.fail(what, f"{type(exc).__name__}: {exc}")
        return None
    report.ok(what, "")
    return out


def _channels_axis(summary: Any, engine: Any, framework: str) -> int:
    """Where a feature map keeps its channels: the summary's ``extra["layout"]`` (NCHW / NHWC)
    when stated, else the adapter's ``channels_axis``, else 1 for torch and -1 otherwise."""
    layout = str(getattr(summary, "extra", {}).get("layout", "")).upper()
    if layout in ("NCHW", "NHWC"):
        return 1 if layout == "NCHW" else -1
    return int(getattr(engine, "channels_axis", 1 if framework == "torch" else -1))


def _check_backbone_shape(plan: Any, summary: Any, framework: str, engine: Any, report: Report) -> None:
    meta = plan.backbone.meta
    stages = [s for s in summary.stages if s.name == "backbone"] or \
             [s for s in summary.stages if str(s.component).startswith(plan.backbone.name)]
    if not report.expect(bool(stages), "summary has the backbone", f"stages {[s.name for s in summary.stages]}"):
        return
    shape = tuple(stages[0].shape)
    axis = _channels_axis(summary, engine, framework)
    if not report.expect(len(shape) == 4, "backbone output rank", f"shape {shape}, want (1, C, h, w) or (1, h, w, C)"):
        return
    report.expect(shape[axis] == meta["out_channels"], "backbone out_channels",
                  f"summary shape {shape} vs declared out_channels {meta['out_channels']}")
    spatial = [d for i, d in enumerate(shape[1:], 1) if i != (axis % 4)]
    want = [s / meta["stride"] for s in plan.input_size]
    close = all(abs(got - w) <= max(2.0, 0.25 * w) for got, w in zip(spatial, want))
    report.expect(close, "backbone stride", f"feature map {spatial} for input {list(plan.input_size)}, "
                  f"declared stride {meta['stride']} gives about {want}")


def _check_outputs(plan: Any, out: Any, n: int, report: Report) -> None:
    box = np.asarray(out.box)
    want = (n, boxes.size(plan.encoding))
    report.expect(box.shape == want, "box output size", f"{box.shape}, want {want} (zoo.boxes.size({plan.encoding!r}))")
    report.expect(box.dtype == np.float32, "box output dtype", f"{box.dtype}")
    if plan.num_classes:
        logits = None if out.logits is None else np.asarray(out.logits)
        ok = logits is not None and logits.shape == (n, plan.num_classes) and logits.dtype == np.float32
        report.expect(ok, "logits", f"{None if logits is None else (logits.shape, logits.dtype)}, "
                      f"want ({n}, {plan.num_classes}) float32")


# -- entry point ----------------------------------------------------------------------------------
def check_component(kind: Kind, name: str, framework: str | None, params: Mapping[str, Any] | None = None, *,
                    registry: Registry | None = None, input_size: int | None = None,
                    train: bool = True, epochs: int = FIT_EPOCHS, lr: float = FIT_LR) -> Report:
    """Run every conformance check of the component (kind, name) on `framework` with `params`.

    Uses the loaded plugins' registry (inside `register_plugin` / `use_plugins`, the isolated one)
    unless `registry` is given. A dataset may pass ``framework=None`` (data checks only).
    ``train=False`` skips fitting, saving and loading (build, summary and predict still run); `epochs` and `lr` (Adam, one fixed batch) tune the fit check.
    Raises `ConformanceError` listing every failed check, `FrameworkUnavailable` when the
    framework is not installed; returns the `Report` otherwise.
    """
    reg = current_registry(registry)
    where = f"{kind} {name!r}" + (f" on {framework}" if framework else "")
    report = Report(where)
    if framework is not None and framework != NEUTRAL:
        framework_engine(framework, reg)
        if kind != "dataset" and not report.expect(is_registered(reg, kind, name, framework), "registered",
                                                   f"{kind} {name!r} for framework {framework!r}"):
            report.raise_failures()
    check_config(kind, name, params, framework, reg, report)
    if report.failures:  # the minimal recipe needs the parameters and metadata: stop with the report
        report.raise_failures()
    with with_tiny_dataset(reg) as tiny:
        recipe = component_recipe(kind, name, params, framework, reg, dataset=tiny, input_size=input_size,
                                  epochs=epochs, lr=lr)
        valid = check_recipe_roundtrip(recipe, reg, framework, report)
        dataset = None
        if kind == "dataset":
            from zoo.assembly import build_dataset

            dataset = _step(report, "dataset build", lambda: build_dataset(recipe, reg))
            if dataset is None or not check_dataset(dataset, report):
                report.raise_failures()
        if valid and framework not in (None, NEUTRAL):
            check_training(recipe, framework, reg, report, dataset, fit=train)
    report.raise_failures()
    return report

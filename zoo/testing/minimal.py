"""The minimal recipe around one component, and the lookup of the framework that runs it.

`component_recipe` surrounds the component under test with cheap standard parts (a two-block
simple CNN, global average pooling, a box head, MSE) on `zoo.testing`'s tiny dataset, so a check
exercises that component and little else.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoo.errors import UnknownNameError, ZooError
from zoo.interfaces.component import KINDS, NEUTRAL, ComponentInfo, Kind
from zoo.recipes import Recipe, parse
from zoo.registry import Registry

#: the cheap standard components a check puts around the component under test
BASE_BACKBONE: dict[str, Any] = {"name": "simple_cnn", "filters": [8, 16], "padding": "same"}
FIT_EPOCHS = 5
FIT_LR = 1e-3  # Adam: low enough for a pretrained-size trunk with batch norm on one batch of 8
BATCH = 8


class FrameworkUnavailable(ZooError):
    """The framework (its adapter plugin or its library) is not installed here."""


def current_registry(reg: Registry | None = None) -> Registry:
    """`reg`, or the registry of the loaded plugins (the isolated one inside `use_plugins`)."""
    if reg is not None:
        return reg
    from zoo.plugins import registry

    return registry()


def framework_engine(framework: str, reg: Registry | None = None) -> Any:
    """The adapter of `framework`; FrameworkUnavailable when its plugin or library is missing."""
    reg = current_registry(reg)
    try:
        return reg.framework(framework)
    except UnknownNameError as exc:
        raise FrameworkUnavailable(str(exc)) from None
    except ImportError as exc:
        raise FrameworkUnavailable(f"framework {framework!r} needs a library that is not installed: {exc}") from None


def available_frameworks(reg: Registry | None = None) -> list[str]:
    """Frameworks whose adapter plugin and library are both installed."""
    out = []
    for name in current_registry(reg).frameworks():
        try:
            framework_engine(name, reg)
        except FrameworkUnavailable:
            continue
        out.append(name)
    return out


# -- recipes around a component -------------------------------------------------------------------
def component_recipe(kind: Kind, name: str, params: Mapping[str, Any] | None, framework: str | None,
                     reg: Registry, *, dataset: str, input_size: int | None = None,
                     epochs: int = FIT_EPOCHS, lr: float = FIT_LR) -> Recipe:
    """The minimal recipe that exercises (kind, name) with `params`; `dataset` names the tiny
    dataset (unless the component under test is a dataset)."""
    params = dict(params or {})
    info = component_info(reg, kind, name, framework)
    comp = {"name": name, **params}
    base = {"backbone": dict(BASE_BACKBONE), "vectorizer": {"name": "gap"}, "head": {"name": "box"},
            "loss": {"name": "mse"}}
    if framework not in (None, NEUTRAL):  # a framework without the standard set: its own first names
        for k, spec in base.items():
            names = reg.names(k, framework)  # type: ignore[arg-type]
            if spec["name"] not in names and names:
                base[k] = {"name": names[0]}
    raw: dict[str, Any] = {
        "backbone": base["backbone"], "vectorizer": base["vectorizer"], "head": base["head"],
        "loss": [base["loss"]], "dataset": {"name": dataset, "n": 2 * BATCH, "size": 32, "classes": 0},
        "train": {"epochs": epochs, "batch_size": BATCH, "lr": float(lr), "optimizer": "adam", "seed": 0},
        "description": f"zoo.testing conformance recipe for {kind} {name!r}",
    }
    size = input_size or 32
    classes = False
    if kind == "backbone":
        raw["backbone"] = comp
        stride = int(info.metadata(info.resolve(params)).get("stride", 8))
        size = input_size or max(32, 2 * stride)
    elif kind == "vectorizer":
        raw["vectorizer"] = comp
        box = info.metadata(info.resolve(params)).get("box_encoding")
        if box:  # it outputs the box itself: the head passes it on (zoo.validation.box_head_problem)
            raw["head"] = {"name": "box", "encoding": box, "activation": "linear", "dense": False}
    elif kind == "head":
        raw["head"] = comp
        classes = bool(info.metadata(info.resolve(params))["classes"])
    elif kind == "loss":
        meta = info.metadata(info.resolve(params))
        if meta["target"] == "class":
            raw["head"], classes = {"name": "box_class"}, True
            raw["loss"] = [base["loss"], comp]
        else:
            raw["loss"] = [comp]
        for key, allowed in meta.get("head_requires", {}).items():
            raw["head"][key] = next(iter(allowed))
    elif kind == "dataset":
        raw["dataset"] = comp
        classes = bool(info.metadata(info.resolve(params)).get("classes"))
        if classes:
            raw["head"] = {"name": "box_class"}
    if classes and kind != "loss" and framework and is_registered(reg, "loss", "cross_entropy", framework):
        raw["loss"].append({"name": "cross_entropy"})
    if kind != "dataset":
        raw["dataset"].update(size=size, classes=2 if classes else 0)
    raw["input_size"] = size
    return parse(f"conformance-{kind}-{name}", raw)


def is_registered(reg: Registry, kind: Kind, name: str, framework: str) -> bool:
    try:
        reg.get(kind, name, framework)
    except UnknownNameError:
        return False
    return True


def component_info(reg: Registry, kind: Kind, name: str, framework: str | None) -> ComponentInfo:
    if kind not in KINDS:
        raise UnknownNameError(f"unknown kind {kind!r}; valid: {', '.join(KINDS)}")
    if kind == "dataset" or framework is None:
        return reg.info(kind, name)
    return reg.get(kind, name, framework).info

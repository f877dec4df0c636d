"""Recipe validation against the registry, before anything is built.

Catches unknown component names, unknown or mistyped parameters, and incompatible pairs (a
class loss without a class head, a class head on a dataset without classes, a loss that needs
a head setting the head does not have). Each problem names the recipe, the key, the value and
the valid choices.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoo import boxes, weights
from zoo.errors import PluginError, RecipeError, ZooError
from zoo.interfaces.component import ComponentInfo, Entry, Kind, ParamError, Source, complete_metadata
from zoo.interfaces.head import ACTIVATION, ENCODING
from zoo.recipes import ComponentSpec, Recipe
from zoo.registry import Registry, normalize


@dataclass(frozen=True)
class Resolved:
    """One part of a recipe resolved against the registry: its entry (None when checked without a
    framework), its parameters with the defaults filled in and checked, and its metadata."""

    info: ComponentInfo
    params: dict[str, Any]
    meta: dict[str, Any]
    entry: Entry | None = None


@dataclass(frozen=True)
class Checked:
    """What `check` found: every problem, and the parts it resolved (recipe key -> `Resolved`:
    ``backbone``, ``vectorizer``, ``head``, ``dataset``, ``loss.0``, ...)."""

    problems: list[str]
    parts: dict[str, Resolved]


def problems(recipe: Recipe, reg: Registry, framework: str | None = None, *, resolve: bool = True) -> list[str]:
    """Every problem of `recipe` (empty when it is valid); with `framework`, also that every
    component exists for that framework (and, with `resolve`, that its factory imports: this
    imports the framework; ``resolve=False`` checks without importing it)."""
    return check(recipe, reg, framework, resolve=resolve).problems


def validate(recipe: Recipe, reg: Registry, framework: str | None = None, *, resolve: bool = True) -> Recipe:
    """`recipe` when valid; RecipeError with the first problem (and a count of the others)."""
    validated_parts(recipe, reg, framework, resolve=resolve)
    return recipe


def validated_parts(recipe: Recipe, reg: Registry, framework: str | None = None, *,
                    resolve: bool = True) -> dict[str, Resolved]:
    """The parts of a valid `recipe`, each resolved once (`zoo.assembly.make_plan` builds its plan
    from them); RecipeError with the first problem (and a count of the others) like `validate`."""
    found = check(recipe, reg, framework, resolve=resolve)
    if found.problems:
        more = f" (and {len(found.problems) - 1} more problem(s): run `zoo validate`)" \
            if len(found.problems) > 1 else ""
        raise RecipeError(found.problems[0] + more)
    return found.parts


def check(recipe: Recipe, reg: Registry, framework: str | None = None, *, resolve: bool = True) -> Checked:
    """`problems`, with the parts resolved on the way: every parameter of the recipe is resolved
    here, once, against its declaration."""
    where = f"recipe {recipe.name!r}"
    out: list[str] = []
    resolved: dict[str, dict[str, Any]] = {}
    metas: dict[str, dict[str, Any]] = {}
    parts: dict[str, Resolved] = {}
    if framework is not None and framework in recipe.unsupported_frameworks:
        out.append(f"{where} cannot run on {framework}: {recipe.unsupported_frameworks[framework]}")
    specs: list[tuple[str, Kind, ComponentSpec]] = [
        ("backbone", "backbone", recipe.backbone), ("vectorizer", "vectorizer", recipe.vectorizer),
        ("head", "head", recipe.head), ("dataset", "dataset", recipe.dataset),
    ] + [(f"loss.{i}", "loss", t) for i, t in enumerate(recipe.loss)]
    for key, kind, spec in specs:
        try:
            entry = reg.get(kind, spec.name, framework) if framework else None
            info = entry.info if entry else reg.info(kind, spec.name)
            resolved[key] = info.resolve(spec.params)
            metas[key] = metadata_of(info, resolved[key], entry.source if entry else None)
            parts[key] = Resolved(info, resolved[key], metas[key], entry)
            if entry is not None and resolve:
                reg.resolve_factory(entry)
        except ZooError as exc:
            out.append(f"{where}, key {key!r}: {exc}")
        except ParamError as exc:
            out.append(f"{where}, {key}.{exc}")
    if "backbone" in metas:
        need = int(metas["backbone"].get("min_input", metas["backbone"].get("stride", 1)))
        if min(recipe.input_size) < need:
            out.append(f"{where}, key 'input_size': input_size {min(recipe.input_size)} is too small for backbone "
                       f"{recipe.backbone.name!r}: it needs at least {need}; set input_size to {need} or more")
        if recipe.train.freeze_stride and metas["backbone"].get("freeze_stride", True) is False:
            out.append(f"{where}, key 'train.freeze_stride': backbone {recipe.backbone.name!r} on {framework} cannot "
                       f"keep its first layers frozen (its layers' run order is unknown); set "
                       f"train.freeze_stride=0, or train it on another framework")
    if "backbone" in resolved:
        value = str(resolved["backbone"].get("weights", weights.NONE))
        found = None if normalize(value) in reg.models() else \
            weights.problem(reg.weights(), normalize(recipe.backbone.name), framework, value)
        if found:
            out.append(f"{where}, key 'backbone.weights': {found}")
    if {"backbone", "vectorizer", "head"} <= set(metas):
        size = _feature_size(metas["backbone"], resolved["backbone"], recipe.input_size)
        if size is not None:
            out += shape_problems(where, (recipe.vectorizer.name, resolved["vectorizer"], metas["vectorizer"]),
                                  (recipe.head.name, resolved["head"]), int(metas["backbone"]["out_channels"]), size)
    if "head" not in metas:
        return Checked(out, parts)
    head, head_params = metas["head"], resolved["head"]
    box_terms = 0
    for i, term in enumerate(recipe.loss):
        meta = metas.get(f"loss.{i}")
        if meta is None:
            continue
        if meta["target"] == "class" and not head["classes"]:
            out.append(f"{where}, key 'loss.{i}': {term.name!r} is a class loss but head {recipe.head.name!r} "
                       f"predicts no classes; use a class head such as 'box_class' or drop the term")
        if meta["target"] == "box":
            box_terms += 1
        for param, allowed in meta.get("head_requires", {}).items():
            if head_params.get(param) not in allowed:
                out.append(f"{where}, key 'loss.{i}': {term.name!r} needs head {param} in {list(allowed)}, "
                           f"but head {recipe.head.name!r} has {param}={head_params.get(param)!r}; "
                           f"set head.{param}={allowed[0]}")
    if box_terms == 0:
        out.append(f"{where}, key 'loss': no box loss; add one such as 'mse' or 'giou'")
    if head["classes"] and "dataset" in metas and not metas["dataset"].get("classes"):
        out.append(f"{where}, key 'head': {recipe.head.name!r} predicts classes but dataset "
                   f"{recipe.dataset.name!r} has none; use head 'box' or a dataset with classes")
    return Checked(out, parts)


def _feature_size(meta: Mapping[str, Any], params: Mapping[str, Any],
                  input_size: tuple[int, int]) -> tuple[int, int] | None:
    """The backbone's feature-map size when the recipe alone determines it: the input divided by the
    declared stride, when it divides evenly and no ``valid`` padding shrinks the map further (then
    `shape_problems` runs at build, on the real map)."""
    stride = int(meta.get("stride") or 0)
    if stride < 1 or any(s % stride for s in input_size) or params.get("padding") == "valid":
        return None
    return input_size[0] // stride, input_size[1] // stride


def kernel_problem(vectorizer: str, kernel: int, size: tuple[int, int]) -> str | None:
    """The rule: a vectorizer's convolution kernel must fit in the feature map (h, w)."""
    if min(size) >= kernel:
        return None
    return (f"kernel {kernel} of vectorizer {vectorizer!r} is larger than the feature map {size[0]}x{size[1]}; "
            f"use a larger input_size or a smaller vectorizer.kernel")


def dense_input_problem(head: str, encoding: str, width: int, hidden: bool) -> str | None:
    """The rule: a head without its dense layer (``dense: false``) passes its input (the last hidden
    layer's, or the vector's) through as the box, so that input must have the encoding's size."""
    want = boxes.size(encoding)
    if width == want:
        return None
    return (f"head {head!r} has dense: false, so its input must have the {encoding} size {want}, but it has "
            f"{width}; set head.dense=true or make the {'last hidden layer' if hidden else 'vectorizer'} output "
            f"{want} values")


def box_head_problem(vectorizer: str, encoding: str, head: str, params: Mapping[str, Any]) -> str | None:
    """The rule for a vectorizer that outputs the box itself (metadata ``box_encoding``): the head
    passes it on unchanged (no dense or hidden layer, linear activation, the same encoding), and a
    class branch reads the pooled backbone map (``class_input: pooled``), not the box."""
    want = {"dense": False, "activation": "linear", "encoding": encoding, "hidden": []}
    got = {"dense": params.get("dense", True), "activation": params.get("activation", ACTIVATION.default),
           "encoding": params.get("encoding", ENCODING.default), "hidden": list(params.get("hidden") or [])}
    if "class_input" in params:  # a class branch must read the backbone's map, not the box
        want["class_input"], got["class_input"] = "pooled", params["class_input"]
    wrong = [f"{k}: {str(got[k]).lower() if isinstance(got[k], bool) else got[k]}" for k in want if got[k] != want[k]]
    if not wrong:
        return None
    fix = ", class_input: pooled" if "class_input" in want else ""
    return (f"vectorizer {vectorizer!r} outputs the {encoding} box itself, but head {head!r} has "
            f"{', '.join(wrong)}; use head {{name: {head}, encoding: {encoding}, activation: linear, dense: false{fix}}}")


def check_kernel_fits(vectorizer: str, kernel: int, size: tuple[int, int]) -> None:
    """RecipeError by `kernel_problem`; vectorizer factories call it."""
    problem = kernel_problem(vectorizer, kernel, size)
    if problem:
        raise RecipeError(problem)


def check_dense_input(head: str, encoding: str, width: int, hidden: bool) -> None:
    """RecipeError by `dense_input_problem`; head factories call it when ``dense`` is false."""
    problem = dense_input_problem(head, encoding, width, hidden)
    if problem:
        raise RecipeError(problem)


def shape_problems(where: str, vectorizer: tuple[str, Mapping[str, Any], Mapping[str, Any]],
                   head: tuple[str, Mapping[str, Any]], channels: int, size: tuple[int, int]) -> list[str]:
    """`kernel_problem` and `dense_input_problem` for a feature map (`channels`, `size` (h, w)), the
    vectorizer ``(name, params, metadata)`` and the head ``(name, params)``. `problems` runs it
    before building when the recipe determines the map's size; every framework runs it at build on
    the real map (`zoo.plugin.Plan.check_feature_map`) and its factories apply the same two rules
    (`check_kernel_fits`, `check_dense_input`): one condition, one message, on every framework."""
    v_name, v_params, v_meta = vectorizer
    kernel = v_params.get("kernel")
    if isinstance(kernel, int):
        problem = kernel_problem(v_name, kernel, size)
        if problem:
            return [f"{where}, key 'vectorizer.kernel': {problem}"]
    h_name, h_params = head
    box = v_meta.get("box_encoding")
    if box:
        problem = box_head_problem(v_name, str(box), h_name, h_params)
        if problem:
            return [f"{where}, key 'head': {problem}"]
    if h_params.get("dense", True) is not False:
        return []
    hidden = list(h_params.get("hidden") or [])
    out_features = v_meta.get("out_features")
    if hidden:
        width = int(hidden[-1])
    elif callable(out_features):
        width = int(out_features(v_params, channels, size))
    else:
        return []
    problem = dense_input_problem(h_name, str(h_params.get("encoding", "xyxy")), width, bool(hidden))
    return [f"{where}, key 'head.dense': {problem}"] if problem else []


def metadata_of(info: ComponentInfo, params: dict[str, Any], source: Source | None = None) -> dict[str, Any]:
    """`complete_metadata`, its problem a one-line PluginError naming the plugin."""
    try:
        return complete_metadata(info, params)
    except ValueError as exc:
        raise PluginError(f"{source}: {exc}" if source else str(exc), source.plugin if source else None) from None



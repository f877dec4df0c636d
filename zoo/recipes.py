"""Recipes: named model + data + training settings in ``registry.yaml``, loaded with
``yaml.safe_load`` into frozen dataclasses and validated before anything is built.

A component is written as a name or as a mapping ``{name: ..., <param>: ...}``; ``loss`` is
one component or a list of them, each with an optional ``weight``. See docs/recipes.md.
"""
from __future__ import annotations

import copy
import math
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from zoo.errors import RecipeError, UnknownNameError, choices_text, suggest
from zoo.interfaces.component import Param
from zoo.registry import normalize
from zoo.safe_yaml import MAX_YAML_VALUES, YamlExpansionError, YamlLoader, load_yaml  # noqa: F401 (re-exported)

RECIPE_KEYS = ("description", "source", "notes", "input_size", "backbone", "vectorizer", "head", "loss",
               "dataset", "train", "augment", "test_time", "unsupported_frameworks")
#: old recipe keys (path) -> their new name; still read, with a FutureWarning
RENAMED_KEYS: dict[tuple[str, ...], str] = {
    ("frameworks",): "unsupported_frameworks",
    ("train", "patience"): "plateau_patience",
}
#: old parameters of the built-in datasets -> their new name, per dataset; still read, with a
#: FutureWarning. The test split's share is ``test_share`` on every reader (``test`` is the test
#: file of ``csv`` / ``coco``).
RENAMED_DATASET_PARAMS: dict[str, dict[str, str]] = {
    **{name: {"test": "test_share"} for name in ("blobs", "shapes", "cats", "voc", "yolo", "oxford_pets")},
    **{name: {"test_fraction": "test_share"} for name in ("csv", "coco")},
}
COMPONENT_KEYS = ("backbone", "vectorizer", "head", "dataset")
OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("none", "plateau", "exponential", "cosine")
PRECISIONS = ("fp32", "bf16")
DEFAULT_RECIPE = "default"
#: Adam / AdamW epsilon on every framework (Keras' default), so both take the same steps
ADAM_EPSILON = 1e-7
#: largest input side a recipe may ask for (a batch of 32 RGB images this size is 400 MB of uint8)
MAX_INPUT_SIZE = 2048




def _ranged(default: Any, **bounds: Any) -> Any:
    """A dataclass field whose value range is declared as a `Param` (checked by `parse`)."""
    return field(default=default, metadata={"param": Param(default, type(default), **bounds)})


@dataclass(frozen=True)
class ComponentSpec:
    """A component by name with the parameters the recipe sets (defaults are filled at build)."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    weight: float = 1.0  # losses only: the term's weight in the sum

    def to_dict(self, with_weight: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, **self.params}
        if with_weight:
            out["weight"] = self.weight
        return out


@dataclass(frozen=True)
class TrainSpec:
    epochs: int = _ranged(10, ge=1)                   # passes over the training split (or of steps_per_epoch)
    batch_size: int = _ranged(32, ge=1)
    steps_per_epoch: int = _ranged(0, ge=0)           # 0: one pass over the training split
    optimizer: str = "adam"                           # adam, adamw, sgd
    lr: float = _ranged(1e-3, gt=0.0)
    weight_decay: float = _ranged(0.0, ge=0.0)
    momentum: float = _ranged(0.9, ge=0.0, le=1.0)    # sgd only
    schedule: str = "none"                            # none, plateau, exponential, cosine
    factor: float = _ranged(0.2, gt=0.0, le=1.0)      # plateau: lr *= factor
    plateau_patience: int = _ranged(10, ge=1)         # plateau: epochs without val_loss improvement before lr *= factor
    min_lr: float = _ranged(1e-7, ge=0.0)             # plateau, cosine floor
    decay_steps: int = _ranged(1000, ge=1)            # exponential: lr * rate ** (step / decay_steps)
    decay_rate: float = _ranged(0.9, gt=0.0)          # exponential
    early_stopping: int = _ranged(0, ge=0)            # stop after this many epochs without val_loss improvement; 0 = off
    seed: int = _ranged(0, ge=0)                      # data order, augmentation and initial weights
    precision: str = "fp32"                           # fp32 or bf16 (autocast where it pays)
    sync_batchnorm: bool = False                      # several processes: BatchNorm statistics over the global batch
    freeze_backbone: int = _ranged(0, ge=0)           # first epochs with the backbone frozen (BN in inference mode)
    backbone_lr: float = _ranged(1.0, ge=0.0)         # backbone lr = lr * this once unfrozen (zoo.finetune)
    freeze_stride: int = _ranged(0, ge=0)             # backbone layers up to this output stride stay frozen all run; 0 = off


@dataclass(frozen=True)
class AugmentSpec:
    hflip: bool = False                               # horizontal flip with probability 0.5
    crop: float = _ranged(0.0, ge=0.0, le=1.0)        # random crop keeping the object; max share of margin cut
    jitter: float = _ranged(0.0, ge=0.0, le=1.0)      # colour jitter strength (brightness, contrast, saturation)
    expand: float = _ranged(0.0, ge=0.0, le=3.0)      # zoom out: half the time, a canvas up to 1 + expand times larger


@dataclass(frozen=True)
class TestTimeSpec:
    hflip: bool = False                               # also predict the mirrored image; average the two boxes


@dataclass(frozen=True)
class Recipe:
    name: str
    backbone: ComponentSpec
    vectorizer: ComponentSpec
    head: ComponentSpec
    loss: tuple[ComponentSpec, ...]
    dataset: ComponentSpec
    input_size: tuple[int, int] = (128, 128)     # (H, W) the images are resized to
    train: TrainSpec = TrainSpec()
    augment: AugmentSpec = AugmentSpec()
    test_time: TestTimeSpec = TestTimeSpec()
    description: str = ""
    source: str = ""
    notes: str = ""
    unsupported_frameworks: Mapping[str, str] = field(default_factory=dict)  # framework -> why it cannot run this

    def to_dict(self) -> dict[str, Any]:
        """A plain dict that `parse` turns back into an equal Recipe."""
        return {
            "description": self.description, "source": self.source, "notes": self.notes,
            "input_size": list(self.input_size),
            "backbone": self.backbone.to_dict(), "vectorizer": self.vectorizer.to_dict(),
            "head": self.head.to_dict(), "loss": [t.to_dict(with_weight=True) for t in self.loss],
            "dataset": self.dataset.to_dict(), "train": asdict(self.train), "augment": asdict(self.augment),
            "test_time": asdict(self.test_time),
            "unsupported_frameworks": dict(self.unsupported_frameworks),
        }


# -- loading --------------------------------------------------------------------------------------
def default_path() -> Path:
    """``$ZOO_REGISTRY``, else the registry.yaml shipped with zoo (the repository's top level)."""
    if os.environ.get("ZOO_REGISTRY"):
        return Path(os.environ["ZOO_REGISTRY"])
    here = Path(__file__).resolve().parent
    for candidate in (here / "registry.yaml", here.parent / "registry.yaml"):
        if candidate.exists():
            return candidate
    return here.parent / "registry.yaml"


def load_file(path: str | Path) -> dict[str, dict[str, Any]]:
    """The raw recipes of a YAML file with a top-level ``recipes:`` mapping."""
    path = Path(path)
    try:
        data = load_yaml(path.read_text())
    except FileNotFoundError:
        raise RecipeError(f"recipe file {str(path)!r} does not exist") from None
    except yaml.YAMLError as exc:
        raise RecipeError(f"recipe file {str(path)!r} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or not isinstance(data.get("recipes"), dict):
        raise RecipeError(f"recipe file {str(path)!r} needs a top-level 'recipes:' mapping of name -> recipe")
    return {str(k): v for k, v in data["recipes"].items()}


def raw_recipes(files: Sequence[str | Path] = ()) -> dict[str, dict[str, Any]]:
    """Recipes of the default registry, then those plugins ship (``register_recipes``; a name
    the registry has is refused at registration), then of `files` (later files override by name)."""
    return {name: body for name, (body, _) in recipe_sources(files).items()}


def recipe_sources(files: Sequence[str | Path] = ()) -> dict[str, tuple[dict[str, Any], str]]:
    """Like `raw_recipes`, with where each recipe comes from: ``registry.yaml`` (or the file's
    path), or the plugin (``plugin 'x' (dist version)``)."""
    from zoo.plugins import registry

    out = {name: (body, default_path().name) for name, body in load_file(default_path()).items()}
    out.update({name: (body, str(source)) for name, (body, source) in registry().recipes().items()})
    for f in files:
        out.update({name: (body, str(f)) for name, body in load_file(f).items()})
    return out


def builtin_recipe_names() -> dict[str, str]:
    """Name -> ``registry.yaml`` for the default registry's recipes (the names plugins may not take)."""
    path = default_path()
    return {name: path.name for name in load_file(path)} if path.exists() else {}


def get(name: str | None = None, files: Sequence[str | Path] = (), overrides: Iterable[str] = ()) -> Recipe:
    """The recipe `name` (default: ``default``) with ``dotted.key=value`` overrides, parsed."""
    name = name or DEFAULT_RECIPE
    recipes = raw_recipes(files)
    if name not in recipes:
        hint = suggest(name, recipes, cutoff=0.0)
        raise UnknownNameError(f"unknown recipe {name!r}" + (f"; {hint}" if hint else "")
                               + f" (valid: {choices_text(recipes)}); see `zoo list recipes`")
    raw = apply_overrides(normalize_raw(recipes[name]), overrides, name)
    return _parse_normalized(name, raw)


# -- overrides ------------------------------------------------------------------------------------
def normalize_raw(raw: Any) -> dict[str, Any]:
    """Copy of a raw recipe with components as mappings and loss as a list."""
    if not isinstance(raw, dict):
        raise RecipeError(f"a recipe must be a mapping, got {type(raw).__name__}")
    out = copy.deepcopy(raw)
    for key in COMPONENT_KEYS:
        if isinstance(out.get(key), str):
            out[key] = {"name": out[key]}
    loss = out.get("loss")
    if isinstance(loss, (str, dict)):
        loss = [loss]
    if isinstance(loss, list):
        out["loss"] = [{"name": t} if isinstance(t, str) else t for t in loss]
    return out


def apply_overrides(raw: dict[str, Any], overrides: Iterable[str], recipe: str = "") -> dict[str, Any]:
    """Apply ``dotted.key=value`` overrides (values parsed as YAML). Setting ``X.name`` to a new
    component drops X's old parameters, unless they are also set."""
    raw = copy.deepcopy(raw)
    for item in overrides:
        found = split_override(item)
        if found is None:
            raise RecipeError(f"recipe {recipe!r}: override {item!r} is not of the form dotted.key=value")
        key, value = found
        parts = key.split(".")
        node: Any = raw
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                node = node[_index(part, node, key, recipe)]
                continue
            if part not in node or not isinstance(node[part], (dict, list)):
                node[part] = {"name": node[part]} if isinstance(node.get(part), str) else {}
            node = node[part]
        last = parts[-1]
        if isinstance(node, list):
            node[_index(last, node, key, recipe)] = value
        else:
            if last == "name" and node.get("name") not in (None, value):
                for k in [k for k in node if k not in ("name", "weight")]:
                    del node[k]
            node[last] = value
    return raw


def split_override(item: str) -> tuple[str, Any] | None:
    """The one ``--set`` parser: ``key=value`` as (key, value), the value read as YAML
    (`load_yaml`: ``1e-3`` is a float; text that is not YAML stays text); None when `item` is
    not of that form."""
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        return None
    try:
        value = load_yaml(text) if text.strip() else ""
    except yaml.YAMLError:
        value = text
    return key.strip(), value


def _index(part: str, node: list[Any], key: str, recipe: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise RecipeError(f"recipe {recipe!r}: override key {key!r}: {part!r} is not an index below {len(node)}")
    return int(part)


# -- parsing --------------------------------------------------------------------------------------
def parse(name: str, raw: Mapping[str, Any]) -> Recipe:
    """Structural checks and conversion; component names and parameters are checked by
    `zoo.validation.validate` against the registry."""
    return _parse_normalized(name, normalize_raw(dict(raw)))


def _parse_normalized(name: str, raw: dict[str, Any]) -> Recipe:
    where = f"recipe {name!r}"
    raw = _renamed(raw, where)
    _no_unknown(raw, RECIPE_KEYS, where)
    for key in ("backbone", "vectorizer", "head", "loss", "dataset"):
        if key not in raw:
            raise RecipeError(f"{where}: missing key {key!r}")
    comps = {k: _component(raw[k], f"{where}, key {k!r}") for k in COMPONENT_KEYS}
    if not isinstance(raw["loss"], list) or not raw["loss"]:
        raise RecipeError(f"{where}, key 'loss': give a loss name or a list of {{name, weight, ...}}")
    losses = tuple(_component(t, f"{where}, key 'loss.{i}'", loss=True) for i, t in enumerate(raw["loss"]))
    if all(t.weight == 0 for t in losses):
        raise RecipeError(f"{where}, key 'loss': all loss weights are zero; give at least one term a weight above 0")
    return Recipe(
        name=name, loss=losses, **comps,
        input_size=_size(raw.get("input_size", 128), where),
        train=_dataclass(TrainSpec, raw.get("train", {}), where, "train"),
        augment=_dataclass(AugmentSpec, raw.get("augment", {}), where, "augment"),
        test_time=_dataclass(TestTimeSpec, raw.get("test_time", {}), where, "test_time"),
        description=str(raw.get("description", "")), source=str(raw.get("source", "")),
        notes=str(raw.get("notes", "")),
        unsupported_frameworks={str(k): str(v) for k, v in (raw.get("unsupported_frameworks") or {}).items()},
    )


def _renamed(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """`raw` with the keys of `RENAMED_KEYS` and `RENAMED_DATASET_PARAMS` under their new names (a
    FutureWarning for each)."""
    dataset = raw.get("dataset")
    renames = dict(RENAMED_KEYS)
    if isinstance(dataset, dict) and isinstance(dataset.get("name"), str):
        renames.update({("dataset", old): new for old, new in renamed_dataset_params(dataset["name"]).items()})
    for path, new in renames.items():
        node: Any = raw
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        old = path[-1]
        if not isinstance(node, dict) or old not in node:
            continue
        old_key, new_key = ".".join(path), ".".join((*path[:-1], new))
        if new in node:
            raise RecipeError(f"{where}: both {old_key!r} and {new_key!r} are set; keep only {new_key!r}")
        warnings.warn(f"{where}: key {old_key!r} is deprecated; write {new_key!r}", FutureWarning, stacklevel=4)
        node[new] = node.pop(old)
    return raw


def renamed_dataset_params(dataset: str) -> dict[str, str]:
    """The old parameter names of built-in dataset `dataset` -> their new names (empty for others)."""
    return RENAMED_DATASET_PARAMS.get(normalize(dataset), {})


def _component(value: Any, where: str, loss: bool = False) -> ComponentSpec:
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise RecipeError(f"{where}: expected a name or a mapping with 'name', got {value!r}")
    params = {k: v for k, v in value.items() if k not in ("name", "weight")}
    weight = value.get("weight", 1.0)
    if "weight" in value and not loss:
        raise RecipeError(f"{where}: 'weight' is only for loss terms")
    if not isinstance(weight, (int, float)) or isinstance(weight, bool):
        raise RecipeError(f"{where}: weight must be a number, got {weight!r}")
    if not math.isfinite(weight):
        raise RecipeError(f"{where}: weight must be a finite number, got {weight!r}")
    if weight < 0:
        raise RecipeError(f"{where}: weight must be >= 0, got {weight!r}")
    return ComponentSpec(value["name"], params, float(weight))


def _size(value: Any, where: str) -> tuple[int, int]:
    """(H, W) of ``input_size``; the backbone's minimum is checked by `zoo.validation`."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        value = [value, value]
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        if max(value) > MAX_INPUT_SIZE:
            raise RecipeError(f"{where}, key 'input_size': {max(value)} is above the maximum {MAX_INPUT_SIZE}; "
                              "use a smaller size (images are resized to it)")
        return (int(value[0]), int(value[1]))
    raise RecipeError(f"{where}, key 'input_size': expected a positive int or [height, width], got {value!r}")


def _dataclass(cls: type, value: Any, where: str, section: str) -> Any:
    """`value` (the recipe's `section` mapping) as a `cls`; a one-line RecipeError naming the key
    ``section.key`` for a wrong type, a value out of range or not among the choices."""
    recipe_where = where
    where = f"{recipe_where}, key {section!r}"

    def key_of(key: str) -> str:
        return f"{recipe_where}, {section}.{key}"

    if not isinstance(value, dict):
        raise RecipeError(f"{where}: expected a mapping, got {value!r}")
    valid = {f.name: f for f in fields(cls)}
    _no_unknown(value, tuple(valid), where)
    out = {}
    for key, v in value.items():
        default = valid[key].default
        if isinstance(default, float) and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if type(v) is not type(default):
            raise RecipeError(f"{key_of(key)}: expected {type(default).__name__}, got {v!r}")
        param = valid[key].metadata.get("param")
        if param is not None:
            try:
                v = param.check(v)
            except ValueError as exc:
                raise RecipeError(f"{key_of(key)}: {exc}") from None
        out[key] = v
    spec = cls(**out)
    for key, choices in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("precision", PRECISIONS)):
        if hasattr(spec, key) and getattr(spec, key) not in choices:
            raise RecipeError(f"{key_of(key)}: {getattr(spec, key)!r} is not one of {', '.join(choices)}")
    stride = getattr(spec, "freeze_stride", 0)
    if stride & (stride - 1):
        raise RecipeError(f"{key_of('freeze_stride')}: {stride} is not a power of two; use 0 (off), 2, 4, 8, 16 or 32")
    return spec


def _no_unknown(mapping: Mapping[str, Any], valid: Sequence[str], where: str) -> None:
    for key in mapping:
        if key not in valid:
            hint = suggest(str(key), valid)
            raise RecipeError(f"{where}: unknown key {key!r}" + (f"; {hint}" if hint else "")
                              + f" (valid: {', '.join(valid)})")

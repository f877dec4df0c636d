"""From a validated recipe to a `Plan`: every component resolved for one framework, with its
parameters filled in. Framework adapters build models from plans; the core builds datasets."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zoo import boxes
from zoo.interfaces.component import Entry, Kind
from zoo.interfaces.dataset import Dataset
from zoo.recipes import ComponentSpec, Recipe
from zoo.registry import Registry
from zoo.validation import validate


@dataclass(frozen=True)
class Part:
    """One component of a plan: its registry entry, resolved parameters and (losses) weight."""

    entry: Entry
    params: dict[str, Any]
    weight: float = 1.0

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def meta(self) -> dict[str, Any]:
        return self.entry.info.metadata(self.params)


@dataclass(frozen=True)
class Plan:
    """What a framework needs to build, train and run a recipe's model."""

    recipe: Recipe
    framework: str
    backbone: Part
    vectorizer: Part
    head: Part
    losses: tuple[Part, ...]
    num_classes: int
    registry: Registry

    @property
    def input_size(self) -> tuple[int, int]:
        return self.recipe.input_size

    @property
    def encoding(self) -> str:
        return str(self.head.params["encoding"])

    @property
    def box_size(self) -> int:
        return boxes.size(self.encoding)

    @property
    def preprocessing(self) -> str:
        return str(self.backbone.meta["preprocessing"])

    def build(self, kind: Kind, **context: Any) -> Any:
        """Build this plan's `kind` component with its factory and `context`."""
        part = {"backbone": self.backbone, "vectorizer": self.vectorizer, "head": self.head}[kind]
        return self.registry.build(kind, part.name, self.framework, part.params, **context)

    def build_losses(self) -> list[tuple[Part, Any]]:
        return [(p, self.registry.build("loss", p.name, self.framework, p.params)) for p in self.losses]


def _part(reg: Registry, kind: Kind, spec: ComponentSpec, framework: str) -> Part:
    entry = reg.get(kind, spec.name, framework)
    return Part(entry, entry.info.resolve(spec.params), spec.weight)


def make_plan(recipe: Recipe, framework: str, reg: Registry, num_classes: int | None = None) -> Plan:
    """Validate `recipe` for `framework` and resolve it. `num_classes` defaults to the dataset's
    (read only when the head predicts classes)."""
    validate(recipe, reg, framework)
    head = _part(reg, "head", recipe.head, framework)
    if num_classes is None:
        num_classes = build_dataset(recipe, reg).num_classes if head.meta["classes"] else 0
    return Plan(recipe, framework, _part(reg, "backbone", recipe.backbone, framework),
                _part(reg, "vectorizer", recipe.vectorizer, framework), head,
                tuple(_part(reg, "loss", t, framework) for t in recipe.loss), num_classes, reg)


def build_dataset(recipe: Recipe, reg: Registry, spec: ComponentSpec | None = None) -> Dataset:
    """The recipe's dataset (or `spec`), built with its factory."""
    spec = spec or recipe.dataset
    return reg.build("dataset", spec.name, "neutral", dict(spec.params))

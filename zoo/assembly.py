"""From a validated recipe to a `Plan`: every component resolved for one framework, with its
parameters filled in. Framework adapters build models from plans; the core builds datasets."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from zoo import boxes, provenance
from zoo.errors import DataError, PluginError, RecipeError
from zoo.interfaces.component import Entry, Kind
from zoo.interfaces.dataset import Dataset
from zoo.objective import Objective
from zoo.recipes import ComponentSpec, Recipe
from zoo.registry import Registry, normalize
from zoo.validation import Resolved, shape_problems, validated_parts


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


#: what a plan builds its parts with: (kind, name, resolved params, **context) -> the built object
Builder = Callable[..., Any]


@dataclass(frozen=True)
class Plan:
    """What a framework needs to build, train and run a recipe's model: the resolved parts, the
    class count, the provenance of every part (`zoo.provenance`, gathered when planned) and the
    registry's builder for this framework (`zoo.registry.Registry.builder`), not the registry."""

    recipe: Recipe
    framework: str
    backbone: Part
    vectorizer: Part
    head: Part
    losses: tuple[Part, ...]
    num_classes: int
    components: Mapping[str, Mapping[str, Any]]
    builder: Builder = field(repr=False, compare=False)

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
        return self.builder(kind, part.name, part.params, **context)

    def build_losses(self) -> list[tuple[Part, Any]]:
        return [(p, self.builder("loss", p.name, p.params)) for p in self.losses]

    def with_backbone_weights(self, weights: str) -> Plan:
        """This plan with the backbone's ``weights`` parameter replaced (``"none"`` to rebuild a
        saved model without touching pretrained files)."""
        return replace(self, backbone=replace(self.backbone, params={**self.backbone.params, "weights": weights}))

    def check_feature_map(self, channels: int, size: tuple[int, int]) -> None:
        """Check the built backbone's real feature map (`channels`, `size` (h, w)) against the plan:
        PluginError when the backbone does not give the channels it declares, RecipeError (the
        message `zoo.validation.shape_problems` gives before building) when the vectorizer or the
        head does not fit it. Every framework calls it right after building the backbone."""
        declared = int(self.backbone.meta["out_channels"])
        if channels != declared:
            raise PluginError(f"backbone {self.backbone.name!r} on {self.framework} gives {channels} channels but "
                              f"declares {declared} (out_channels); fix its declaration or its factory")
        found = shape_problems(f"recipe {self.recipe.name!r}", (self.vectorizer.name, self.vectorizer.params,
                                                                 self.vectorizer.meta),
                               (self.head.name, self.head.params), channels, size)
        if found:
            raise RecipeError(found[0])

    def objective(self) -> Objective:
        """The recipe's training objective over this framework's built losses (`zoo.objective`)."""
        return Objective.of(self.encoding, self.build_losses())


def _part(found: Resolved, weight: float = 1.0) -> Part:
    assert found.entry is not None  # resolved for a framework
    return Part(found.entry, found.params, weight)


def _backbone(reg: Registry, part: Part, framework: str) -> Part:
    """The backbone `part`; ``weights`` naming an installed model becomes its trained backbone's file."""
    from zoo.models import backbone_weights

    weights = str(part.params.get("weights", "none"))
    resolved = backbone_weights(weights, part.name, framework, reg)
    return part if resolved == weights else Part(part.entry, {**part.params, "weights": resolved}, part.weight)


def make_plan(recipe: Recipe, framework: str, reg: Registry, num_classes: int | None = None,
              check_weights: bool = True, parts: Mapping[str, Resolved] | None = None) -> Plan:
    """Validate `recipe` for `framework` and resolve it (`zoo.validation.validated_parts`: each
    parameter resolved once; `parts`, when the caller validated the recipe for `framework` already,
    are those parts); WeightsError (one line, naming the package to install) when its pretrained
    weights are not installed. `num_classes` (the data's count, when the caller has read the data)
    defaults to `class_count`; it must agree with ``head.classes``. ``check_weights=False`` for plans
    whose model is loaded from a run directory."""
    parts = parts if parts is not None else validated_parts(recipe, reg, framework)
    backbone = _backbone(reg, _part(parts["backbone"]), framework)
    if check_weights:  # fail fast when the pretrained weights are not installed
        reg.resolve_weights(backbone.name, framework, backbone.params)
    head = _part(parts["head"])
    if not parts["head"].meta["classes"]:
        num_classes = 0
    elif num_classes is None:
        num_classes = _class_count(recipe, reg, head.params, parts["dataset"].meta)
    elif head.params.get("classes") and head.params["classes"] != num_classes:
        raise RecipeError(f"recipe {recipe.name!r}, key 'head.classes': {head.params['classes']} classes, but "
                          f"dataset {recipe.dataset.name!r} has {num_classes}; set head.classes={num_classes} or 0")
    losses = tuple(_part(parts[f"loss.{i}"], t.weight) for i, t in enumerate(recipe.loss))
    vectorizer = _part(parts["vectorizer"])
    components = provenance.gather({"backbone": backbone.entry, "vectorizer": vectorizer.entry, "head": head.entry,
                                    **{f"loss.{i}": p.entry for i, p in enumerate(losses)},
                                    "dataset": _part(parts["dataset"]).entry},
                                   reg.frameworks().get(normalize(framework)))
    return Plan(recipe, framework, backbone, vectorizer, head, losses, num_classes, components,
                reg.builder(framework))


def class_count(recipe: Recipe, reg: Registry) -> int:
    """K for the recipe's class head without reading data when possible: ``head.classes`` when
    set, else the dataset's declared ``num_classes`` (from its parameters), else the data's own."""
    head = reg.info("head", recipe.head.name).resolve(recipe.head.params)
    if head.get("classes"):
        return int(head["classes"])
    info = reg.info("dataset", recipe.dataset.name)
    return _class_count(recipe, reg, head, info.metadata(info.resolve(recipe.dataset.params)))


def _class_count(recipe: Recipe, reg: Registry, head_params: Mapping[str, Any],
                 dataset_meta: Mapping[str, Any]) -> int:
    """`class_count` from the resolved head parameters and dataset metadata."""
    given = int(head_params.get("classes") or 0)
    if given:
        return given
    declared = dataset_meta.get("num_classes")
    if declared:
        return int(declared)
    try:
        return build_dataset(recipe, reg).num_classes
    except DataError as exc:
        raise RecipeError(f"recipe {recipe.name!r}: head {recipe.head.name!r} needs the class count and dataset "
                          f"{recipe.dataset.name!r} knows it only from its data ({exc}); "
                          f"set head.classes=K to build without the data") from None


def require_weights(recipe: Recipe, framework: str, reg: Registry) -> None:
    """WeightsError (one line naming the package to install) when the recipe's pretrained
    backbone weights are not installed; nothing is built, nothing imported."""
    entry = reg.get("backbone", recipe.backbone.name, framework)
    backbone = _backbone(reg, Part(entry, entry.info.resolve(recipe.backbone.params)), framework)
    reg.resolve_weights(backbone.name, framework, backbone.params)


def build_dataset(recipe: Recipe, reg: Registry, spec: ComponentSpec | None = None) -> Dataset:
    """The recipe's dataset (or `spec`), built with its factory."""
    spec = spec or recipe.dataset
    return reg.build("dataset", spec.name, "neutral", dict(spec.params))

"""From a validated recipe to a plan: each recipe parameter is resolved once (by
`zoo.validation`, whose parts `make_plan` uses), and the plan carries what its adapter needs (the
resolved parts, their provenance, a builder for its framework), not the registry."""
from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from zoo import provenance
from zoo.assembly import Plan, make_plan
from zoo.errors import RecipeError
from zoo.interfaces.component import ComponentInfo
from zoo.recipes import get
from zoo.registry import Registry


def test_make_plan_resolves_each_recipe_part_once(fake_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    recipe = get("default")
    specs = [recipe.backbone, recipe.vectorizer, recipe.head, recipe.dataset, *recipe.loss]
    calls: dict[int, int] = {}
    resolve = ComponentInfo.resolve

    def counting(self: ComponentInfo, given: Any) -> dict[str, Any]:
        calls[id(given)] = calls.get(id(given), 0) + 1
        return resolve(self, given)

    monkeypatch.setattr(ComponentInfo, "resolve", counting)
    plan = make_plan(recipe, "fake", fake_registry)
    assert [calls.get(id(spec.params), 0) for spec in specs] == [1] * len(specs)
    assert plan.head.params == fake_registry.info("head", recipe.head.name).resolve(recipe.head.params)


def test_plan_carries_no_registry(fake_registry: Registry) -> None:
    plan = make_plan(get("default"), "fake", fake_registry)
    assert "registry" not in {f.name for f in fields(Plan)}
    assert not any(isinstance(value, Registry) for value in vars(plan).values())
    recorded = provenance.record(plan)
    assert set(recorded) == {"backbone", "vectorizer", "head", "dataset", *(f"loss.{i}" for i in range(len(plan.losses)))}
    assert recorded["backbone"]["name"] == plan.backbone.name  # the fake registry has no framework adapter
    assert recorded["dataset"]["plugin"] == "zoo.builtin.datasets"
    assert provenance.differences(recorded, plan) == []
    assert plan.build("backbone") is not None and len(plan.build_losses()) == len(plan.losses)


def test_plan_errors_are_validations(fake_registry: Registry) -> None:
    with pytest.raises(RecipeError, match=r"recipe 'default', key 'head': unknown head 'nope'.*"):
        make_plan(get("default", overrides=("head.name=nope",)), "fake", fake_registry)


def test_make_plan_takes_the_parts_the_caller_validated(fake_registry: Registry,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from zoo.validation import validated_parts

    recipe = get("default")
    parts = validated_parts(recipe, fake_registry, "fake")  # what train() does before claiming its run
    calls: list[Any] = []
    resolve = ComponentInfo.resolve
    monkeypatch.setattr(ComponentInfo, "resolve", lambda self, given: calls.append(given) or resolve(self, given))
    plan = make_plan(recipe, "fake", fake_registry, parts=parts)
    specs = [recipe.backbone, recipe.vectorizer, recipe.head, recipe.dataset, *recipe.loss]
    assert not any(given is spec.params for given in calls for spec in specs)
    monkeypatch.undo()
    again = make_plan(recipe, "fake", fake_registry)
    assert (plan.backbone.params, plan.head.params, plan.components) == (again.backbone.params, again.head.params,
                                                                         again.components)

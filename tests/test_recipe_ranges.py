"""Recipe values: scientific notation parses as a float; ranges declared with the parameters are
checked by `zoo validate`; train / evaluate validate every part before building anything."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from zoo import recipes, training
from zoo.cli import cli as main
from zoo.errors import RecipeError
from zoo.interfaces import Param
from zoo.registry import Registry
from zoo.validation import problems

BASE = {
    "input_size": 32,
    "backbone": {"name": "tiny", "width": 4},
    "vectorizer": "gap",
    "head": {"name": "box", "encoding": "cxcywh"},
    "loss": "mse",
    "dataset": {"name": "blobs", "n": 32},
    "train": {"epochs": 2, "lr": 0.01},
}


def _recipe(**changes: object) -> recipes.Recipe:
    return recipes.parse("r", {**BASE, **changes})


# -- point 15: scientific notation ----------------------------------------------------------------
@pytest.mark.parametrize("text, value", [("3e-4", 3e-4), ("1E3", 1000.0), ("-2.5e+2", -250.0), ("5.e-1", 0.5)])
def test_override_in_scientific_notation_is_a_float(text: str, value: float) -> None:
    raw = recipes.apply_overrides(recipes.normalize_raw(BASE), [f"train.lr={text}"])
    assert raw["train"]["lr"] == value and isinstance(raw["train"]["lr"], float)


def test_recipe_file_in_scientific_notation(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("recipes:\n  mine:\n    backbone: tiny\n    vectorizer: gap\n    head: box\n    loss: mse\n"
                    "    dataset: blobs\n    train: {lr: 3e-4, min_lr: 1e-7}\n")
    r = recipes.get("mine", [path])
    assert r.train.lr == 3e-4 and r.train.min_lr == 1e-7


def test_data_show_set_in_scientific_notation() -> None:
    from zoo.cli.data import parse_overrides

    assert parse_overrides(("val=1e-1",)) == {"val": 0.1}


# -- point 17: ranges -----------------------------------------------------------------------------
@pytest.mark.parametrize("train, message", [
    ({"batch_size": 0}, "batch_size: 0 is below the minimum 1"),
    ({"batch_size": -4}, "batch_size: -4 is below the minimum 1"),
    ({"epochs": 0}, "epochs: 0 is below the minimum 1"),
    ({"lr": 0.0}, "lr: 0.0 must be above 0"),
    ({"lr": -1e-3}, "lr: -0.001 must be above 0"),
    ({"lr": float("nan")}, "lr: expected a finite number, got nan"),
    ({"lr": float("inf")}, "lr: expected a finite number, got inf"),
    ({"seed": -1}, "seed: -1 is below the minimum 0"),
    ({"decay_steps": 0}, "decay_steps: 0 is below the minimum 1"),
])
def test_train_ranges(train: dict, message: str) -> None:
    with pytest.raises(RecipeError, match=message):
        _recipe(train=train)


@pytest.mark.parametrize("loss, message", [
    ([{"name": "mse", "weight": float("nan")}], "weight must be a finite number"),
    ([{"name": "mse", "weight": 0}, {"name": "giou", "weight": 0.0}], "all loss weights are zero"),
    ([{"name": "mse", "weight": -1}], "weight must be >= 0"),
])
def test_loss_weights(loss: list, message: str) -> None:
    with pytest.raises(RecipeError, match=message):
        _recipe(loss=loss)


def test_param_declares_its_range() -> None:
    p = Param([32], list, items=int, ge=1, min_len=1)
    assert p.check([8, 16]) == [8, 16]
    for bad, message in (([], "at least 1 item"), ([-8], "-8 is below the minimum 1"), (["a"], "expected int")):
        with pytest.raises(ValueError, match=message):
            p.check(bad)
    assert "minimum" in str(Param(1, int, ge=1).to_dict())


def test_standard_backbone_ranges_found_by_validate() -> None:
    from zoo.standard.backbones import BACKBONES

    simple = next(b for b in BACKBONES if b.name == "simple_cnn")
    for filters, message in (([], "at least 1 item"), ([-8], "below the minimum 1")):
        with pytest.raises(ValueError, match=message):
            simple.resolve({"filters": filters})


def test_input_size_limits(fake_registry: Registry) -> None:
    found = problems(_recipe(input_size=[2, 32]), fake_registry)
    assert any("input_size 2 is too small for backbone 'tiny': it needs at least 4" in p for p in found), found
    with pytest.raises(RecipeError, match="'input_size': 100000 is above the maximum 2048"):
        _recipe(input_size=100000)


def test_simple_cnn_minimum_input_size() -> None:
    from zoo.standard.backbones import BACKBONES

    simple = next(b for b in BACKBONES if b.name == "simple_cnn")
    meta = simple.metadata({"filters": [8, 8, 8], "kernel": 3, "padding": "valid"})
    assert meta["min_input"] == 22  # 22 -> 20 -> 10 -> 8 -> 4 -> 2 -> 1


def test_zoo_validate_reports_ranges(fake_registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("recipes:\n  bad:\n    backbone: {name: simple_cnn, filters: []}\n    vectorizer: gap\n"
                    "    head: box\n    loss: mse\n    dataset: blobs\n"
                    "  batch:\n    backbone: simple_cnn\n    vectorizer: gap\n"
                    "    head: box\n    loss: mse\n    dataset: blobs\n    train: {batch_size: 0}\n"
                    "  small:\n    input_size: 7\n    backbone: resnet50\n    vectorizer: gap\n    head: box\n"
                    "    loss: mse\n    dataset: blobs\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "batch_size: 0 is below the minimum 1" in result.output
    assert "backbone.filters: [] has 0 items; give at least 1 item(s)" in result.output
    assert "input_size 7 is too small for backbone 'resnet50': it needs at least 32" in result.output


# -- point 16: validate before building ----------------------------------------------------------
def test_train_validates_dataset_params_before_building(fake_registry: Registry, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    monkeypatch.setattr(training, "build_dataset", lambda *a, **k: built.append("x"))
    r = recipes.parse("r", recipes.apply_overrides(recipes.normalize_raw(BASE), ["dataset.nn=5"]))
    with pytest.raises(RecipeError, match="dataset.nn: unknown parameter"):
        training.train(r, "fake", fake_registry, out=tmp_path / "run")
    assert not built


def test_evaluate_validates_overrides_before_building(fake_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    from zoo import evaluation
    from zoo.assembly import make_plan

    plan = make_plan(_recipe(), "fake", fake_registry, num_classes=0)
    monkeypatch.setattr(evaluation, "load_run", lambda run, reg: (plan, None, None))
    monkeypatch.setattr(evaluation, "build_dataset", lambda *a, **k: pytest.fail("built before validation"))
    with pytest.raises(RecipeError, match="dataset.n: expected int, got str 'abc'"):
        evaluation.evaluate("run", fake_registry, ("dataset.n=abc",))


@pytest.mark.parametrize("kind, name, params, message", [
    ("head", "box", {"hidden": [0]}, "0 is below the minimum 1"),
    ("head", "box", {"dropout": 1.5}, "1.5 is above the maximum 0.95"),
    ("vectorizer", "conv", {"kernel": 0}, "0 is below the minimum 1"),
    ("loss", "focal", {"alpha": float("nan")}, "expected a finite number"),
    ("loss", "smooth_l1", {"beta": 0}, "0.0 must be above 0.0"),
])
def test_standard_component_ranges(kind: str, name: str, params: dict, message: str) -> None:
    from zoo.standard import heads, losses, vectorizers

    infos = {i.name: i for i in (*heads.HEADS, *vectorizers.VECTORIZERS, *losses.LOSSES)}
    with pytest.raises(ValueError, match=message):
        infos[name].resolve(params)

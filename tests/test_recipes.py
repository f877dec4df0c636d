"""Recipe loading, overrides, round trip, and validation errors that name recipe, key, value and choices."""
from __future__ import annotations

from pathlib import Path

import pytest

from zoo import recipes
from zoo.errors import RecipeError, UnknownNameError
from zoo.registry import Registry
from zoo.validation import problems, validate

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


def test_parse_normalizes_components_and_losses() -> None:
    r = _recipe()
    assert r.vectorizer.name == "gap" and r.loss[0].name == "mse" and r.loss[0].weight == 1.0
    assert r.input_size == (32, 32) and r.train.lr == 0.01 and r.backbone.params == {"width": 4}


def test_round_trip() -> None:
    r = _recipe(loss=[{"name": "mse", "weight": 2}, "giou"])
    assert recipes.parse("r", r.to_dict()) == r


@pytest.mark.parametrize("changes, message", [
    ({"bakbone": "x"}, "unknown key 'bakbone'; did you mean 'backbone'"),
    ({"input_size": "big"}, "key 'input_size': expected a positive int"),
    ({"train": {"epochs": "ten"}}, r"train.epochs: expected int, got 'ten'"),
    ({"train": {"optimizer": "adagrad"}}, "'adagrad' is not one of adam, adamw, sgd"),
    ({"train": {"learning_rate": 1}}, "unknown key 'learning_rate'"),
    ({"vectorizer": {"name": "gap", "weight": 2}}, "'weight' is only for loss terms"),
])
def test_structural_errors_name_recipe_key_and_value(changes: dict, message: str) -> None:
    with pytest.raises(RecipeError, match=message) as err:
        _recipe(**changes)
    assert "recipe 'r'" in str(err.value)


def test_missing_key() -> None:
    raw = dict(BASE)
    del raw["head"]
    with pytest.raises(RecipeError, match="recipe 'r': missing key 'head'"):
        recipes.parse("r", raw)


def test_overrides_set_nested_and_list_values() -> None:
    raw = recipes.apply_overrides(recipes.normalize_raw(BASE), ["train.epochs=5", "head.encoding=xyxy",
                                                                 "loss.0.weight=0.5", "input_size=[48, 64]"])
    r = recipes.parse("r", raw)
    assert r.train.epochs == 5 and r.head.params["encoding"] == "xyxy" and r.loss[0].weight == 0.5
    assert r.input_size == (48, 64)


def test_override_of_component_name_drops_old_params() -> None:
    raw = recipes.apply_overrides(recipes.normalize_raw(BASE), ["backbone.name=resnet18"])
    assert raw["backbone"] == {"name": "resnet18"}


def test_bad_override() -> None:
    with pytest.raises(RecipeError, match="not of the form dotted.key=value"):
        recipes.apply_overrides({}, ["epochs"])
    with pytest.raises(RecipeError, match="is not an index below 1"):
        recipes.apply_overrides(recipes.normalize_raw(BASE), ["loss.3.weight=1"])


def test_user_recipe_file_and_unknown_recipe(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text("recipes:\n  mine:\n    backbone: tiny\n    vectorizer: gap\n    head: box\n    loss: mse\n"
                 "    dataset: blobs\n")
    assert recipes.get("mine", [f]).backbone.name == "tiny"
    with pytest.raises(UnknownNameError, match="unknown recipe 'mime'; did you mean 'mine'"):
        recipes.get("mime", [f])


def test_bad_yaml_file(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("recipes: [unclosed\n")
    with pytest.raises(RecipeError, match="is not valid YAML"):
        recipes.load_file(f)


def test_valid_recipe(fake_registry: Registry) -> None:
    r = _recipe()  # guards: a valid recipe comes back as itself (validate returns it or raises)
    assert problems(r, fake_registry) == [] and validate(r, fake_registry) is r


@pytest.mark.parametrize("changes, message", [
    ({"backbone": "resnet5"}, "key 'backbone': unknown backbone 'resnet5'; did you mean"),
    ({"backbone": {"name": "tiny", "depth": 3}}, "backbone.depth: unknown parameter"),
    ({"backbone": {"name": "tiny", "width": "wide"}}, "backbone.width: expected int, got str 'wide'"),
    ({"head": {"name": "box", "encoding": "yxyx"}}, "'yxyx' is not one of 'xyxy', 'xywh', 'cxcywh', 'square'"),
    ({"loss": ["mse", "focal"]}, "key 'loss.1': 'focal' is a class loss but head 'box' predicts no classes"),
    ({"head": {"name": "box", "activation": "linear"}, "loss": "bce"},
     r"'bce' needs head activation in \['sigmoid'\], but head 'box' has activation='linear'"),
    ({"head": "box_class", "loss": ["mse", "focal"]}, "predicts classes but dataset 'blobs' has none"),
    ({"loss": "focal"}, "no box loss"),
    ({"vectorizer": {"name": "conv", "kernel": 9}},
     "key 'vectorizer.kernel': kernel 9 of vectorizer 'conv' is larger than the feature map 8x8"),
    ({"head": {"name": "box", "encoding": "cxcywh", "dense": False}},
     "key 'head.dense': head 'box' has dense: false, so its input must have the cxcywh size 4, but it has 8"),
])
def test_validation_errors(fake_registry: Registry, changes: dict, message: str) -> None:
    found = problems(_recipe(**changes), fake_registry)
    assert found, "expected a problem"
    assert any(__import__("re").search(message, p) for p in found), found
    assert all(p.startswith("recipe 'r'") for p in found)


def test_framework_exclusion_is_reported(fake_registry: Registry) -> None:
    r = _recipe(unsupported_frameworks={"fake": "needs a layer fake lacks"})
    with pytest.raises(RecipeError, match="cannot run on fake: needs a layer fake lacks"):
        validate(r, fake_registry, "fake")


@pytest.mark.parametrize(("old", "new", "read", "value"), [
    ({"frameworks": {"keras": "why"}}, "unsupported_frameworks", lambda r: dict(r.unsupported_frameworks),
     {"keras": "why"}),
    ({"train": {"patience": 3}}, "train.plateau_patience", lambda r: r.train.plateau_patience, 3),
])
def test_renamed_recipe_keys_are_still_read_with_a_deprecation_message(old, new, read, value) -> None:  # type: ignore[no-untyped-def]
    raw = {"backbone": "b", "vectorizer": "v", "head": "h", "loss": "l", "dataset": "d", **old}
    with pytest.warns(FutureWarning, match=f"deprecated; write {new!r}"):
        recipe = recipes.parse("r", raw)
    assert read(recipe) == value
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = recipes.parse("r", recipe.to_dict())  # written back under the new names: no warning
    assert read(again) == value


@pytest.mark.parametrize(("dataset", "old"), [("voc", {"test": 0.3}), ("blobs", {"test": 0.3}),
                                              ("oxford_pets", {"test": 0.3}), ("coco", {"test_fraction": 0.3}),
                                              ("csv", {"test": "t.csv", "test_fraction": 0.3})])
def test_test_share_has_one_name_and_old_recipes_load_with_one_deprecation_message(dataset: str, old: dict) -> None:
    import warnings

    raw = {"backbone": "b", "vectorizer": "v", "head": "h", "loss": "l", "dataset": {"name": dataset, **old}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recipe = recipes.parse("r", raw)
    messages = [str(w.message) for w in caught if issubclass(w.category, FutureWarning)]
    assert len(messages) == 1 and "write 'dataset.test_share'" in messages[0], messages
    assert recipe.dataset.params["test_share"] == 0.3
    assert recipe.dataset.params.get("test") == old.get("test") if dataset == "csv" else "test" not in recipe.dataset.params
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert recipes.parse("r", recipe.to_dict()).dataset == recipe.dataset  # written back: no warning


def test_test_is_the_test_file_of_csv_and_coco_and_unrenamed_for_other_datasets() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dataset, params in (("csv", {"test": "t.csv"}), ("coco", {"test": "t.json"}), ("labelme", {"test": 0.2})):
            raw = {"backbone": "b", "vectorizer": "v", "head": "h", "loss": "l", "dataset": {"name": dataset, **params}}
            assert dict(recipes.parse("r", raw).dataset.params) == params
    raw = {"backbone": "b", "vectorizer": "v", "head": "h", "loss": "l",
           "dataset": {"name": "voc", "test": 0.2, "test_share": 0.3}}
    with pytest.raises(RecipeError, match="both 'dataset.test' and 'dataset.test_share' are set"):
        recipes.parse("r", raw)


def test_every_share_reader_declares_test_share() -> None:
    from zoo.plugins import registry

    reg = registry()
    for dataset, renamed in recipes.RENAMED_DATASET_PARAMS.items():
        params = reg.info("dataset", dataset).params
        assert "test_share" in params and "test_fraction" not in params, dataset
        assert ("test" in params) == (dataset in ("csv", "coco")), dataset  # there, the test file
        assert set(renamed.values()) == {"test_share"} and not set(renamed) & set(params), dataset


def test_old_and_new_recipe_key_together_is_an_error() -> None:
    raw = {"backbone": "b", "vectorizer": "v", "head": "h", "loss": "l", "dataset": "d",
           "train": {"patience": 3, "plateau_patience": 4}}
    with pytest.raises(RecipeError, match="both 'train.patience' and 'train.plateau_patience' are set"):
        recipes.parse("r", raw)

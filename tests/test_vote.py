"""The ``vote`` vectorizer (zoo.standard.vectorizers; zoo_torch / zoo_keras ``vectorizers.vote``):
its start votes (`zoo.initial_weights.cell_votes`), the head rule it brings
(`zoo.validation.box_head_problem`), and on both frameworks: an untrained model predicts
`START_BOX` for every image, the two frameworks start from the same weights, and it learns."""
from __future__ import annotations

import numpy as np
import pytest

from zoo import plugins
from zoo.errors import RecipeError
from zoo.initial_weights import START_BOX, cell_votes
from zoo.recipes import get
from zoo.validation import problems

VOTE = ["vectorizer={name: vote, filters: 16}", "head={name: box, encoding: xyxy, activation: linear, dense: false}"]


def test_cell_votes_are_the_start_box_around_each_cell_row_major() -> None:
    votes = cell_votes(2, 4)
    assert votes.shape == (8, 4) and votes.dtype == np.float32
    np.testing.assert_allclose(votes.mean(0), START_BOX, atol=1e-7)  # equal weights: the start box
    size = np.subtract(START_BOX[2:], START_BOX[:2])
    np.testing.assert_allclose(votes[:, 2:] - votes[:, :2], np.tile(size, (8, 1)), atol=1e-7)
    centres = (votes[:, :2] + votes[:, 2:]) / 2
    np.testing.assert_allclose(centres[1], [0.375, 0.25])  # row 0, column 1 (x first)
    np.testing.assert_allclose(centres[4], [0.125, 0.75])  # row 1, column 0


@pytest.mark.parametrize("head, wrong", [
    ("head.dense=true", "dense: true"),
    ("head.activation=sigmoid", "activation: sigmoid"),
    ("head.hidden=[8]", "hidden: [8]"),
])
def test_a_head_that_would_change_the_voted_box_is_refused_before_building(head: str, wrong: str) -> None:
    reg = plugins.registry()
    ok = get("default", overrides=VOTE)
    assert problems(ok, reg) == []
    found = problems(get("default", overrides=[*VOTE, head]), reg)
    assert len(found) == 1 and "outputs the xyxy box itself" in found[0] and wrong in found[0], found
    assert "use head {name: box, encoding: xyxy, activation: linear, dense: false}" in found[0]


def test_a_class_head_must_classify_from_the_map_not_the_box() -> None:
    reg = plugins.registry()
    base = ["vectorizer={name: vote, filters: 16}", "dataset.name=shapes", "dataset.classes=3",
            "head={name: box_class, encoding: xyxy, activation: linear, dense: false}"]
    found = problems(get("default", overrides=base), reg)
    assert len(found) == 1 and "class_input: vector" in found[0] and "class_input: pooled}" in found[0], found
    assert problems(get("default", overrides=[*base, "head.class_input=pooled"]), reg) == []


def test_the_plain_default_head_names_the_fix() -> None:
    reg = plugins.registry()
    found = problems(get("default", overrides=["vectorizer=vote"]), reg)
    assert found and "dense: true, activation: sigmoid" in found[0]
    with pytest.raises(RecipeError, match="outputs the xyxy box itself"):
        from zoo.assembly import make_plan
        make_plan(get("default", overrides=["vectorizer=vote"]), "torch", reg)


def _untrained(framework: str, images: np.ndarray, seed: int = 3) -> np.ndarray:
    from zoo.assembly import make_plan

    reg = plugins.registry()
    plan = make_plan(get("default", overrides=[*VOTE, "input_size=32", f"train.seed={seed}"]), framework, reg)
    engine = reg.framework(framework)
    return np.asarray(engine.predict(engine.build(plan), [images]).box)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_an_untrained_vote_model_predicts_the_start_box(framework: str) -> None:
    pytest.importorskip("torch" if framework == "torch" else "tensorflow")
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    np.testing.assert_allclose(_untrained(framework, images), np.tile(START_BOX, (3, 1)), atol=1e-6)


@pytest.mark.torch
def test_vote_learns_the_blobs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("zoo_torch")
    from zoo.training import train

    recipe = get("default", overrides=[*VOTE, "dataset.n=1024", "train.epochs=6"])
    run = train(recipe, "torch", plugins.registry(), out=tmp_path / "run")
    import json

    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["iou"] > metrics["baseline"]["iou"] + 0.3, metrics

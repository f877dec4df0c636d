"""Test-time augmentation (`zoo.test_time`): the mirrored pass is mirrored back and averaged in
canonical xyxy for every encoding; class scores average as probabilities; a run whose recipe
asks for it is scored, evaluated and predicted with it, and one that does not is untouched."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zoo import boxes, metrics, test_time
from zoo.recipes import parse

BOXES = np.array([[0.1, 0.2, 0.5, 0.9], [0.3, 0.0, 1.0, 0.4]], np.float64)


@pytest.mark.parametrize("encoding", ["xyxy", "xywh", "cxcywh"])
def test_a_mirror_equivariant_prediction_is_unchanged(encoding: str) -> None:
    plain = boxes.encode(BOXES, encoding)
    flipped = boxes.encode(boxes.mirror(BOXES), encoding)
    np.testing.assert_allclose(test_time.average_mirrored(plain, flipped, encoding), plain, atol=1e-12)


def test_two_passes_average_in_xyxy() -> None:
    other = np.array([[0.2, 0.2, 0.6, 0.8], [0.0, 0.1, 0.5, 0.5]])
    got = test_time.average_mirrored(boxes.encode(BOXES, "cxcywh"), boxes.encode(other, "cxcywh"), "cxcywh")
    want = (BOXES + boxes.mirror(other)) / 2
    np.testing.assert_allclose(boxes.decode(got, "cxcywh"), want, atol=1e-12)


def test_class_scores_average_as_probabilities() -> None:
    a, b = np.array([[2.0, 0.0, -1.0]]), np.array([[-3.0, 1.0, 0.5]])

    def softmax(x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    np.testing.assert_allclose(softmax(test_time.average_logits(a, b)), (softmax(a) + softmax(b)) / 2, atol=1e-12)


def test_mirrored_batches_are_contiguous_copies() -> None:
    batch = np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3)
    (out,) = list(test_time.mirrored([batch]))
    assert out.flags.c_contiguous and np.array_equal(out, batch[:, :, ::-1])


def _recipe(hflip: bool) -> object:
    return parse("tta", {"backbone": "np_pool", "vectorizer": "gap", "head": "box", "loss": "mse",
                         "input_size": 16, "dataset": {"name": "blobs", "n": 48, "size": 16},
                         "train": {"epochs": 1, "batch_size": 8}, "test_time": {"hflip": hflip}})


def test_a_run_is_scored_evaluated_and_predicted_with_its_recipes_tta(tmp_path: Path) -> None:
    from zoo.evaluation import evaluate, load_run, prepare_data
    from zoo.assembly import build_dataset
    from zoo.monitor import decode_outputs
    from zoo.predicting import run_predictor
    from zoo.testing import isolated
    from zoo.testing.numpy_framework import FW, NumpyPlugin
    from zoo.training import train

    with isolated(NumpyPlugin()) as reg:
        run_dir = train(_recipe(True), FW, reg, out=tmp_path / "run", workers=0)
        plan, model, engine = load_run(run_dir, reg)
        data = prepare_data(plan.recipe, build_dataset(plan.recipe, reg), workers=0)
        images = np.concatenate(list(data.test.images()))
        plain, _ = decode_outputs(plan, engine.predict(model, [images]))
        flipped, _ = decode_outputs(plan, engine.predict(model, [images[:, :, ::-1].copy()]))
        want = np.clip((plain + boxes.mirror(flipped)) / 2, 0, 1)
        assert np.abs(want - plain).max() > 1e-5  # the model is not mirror-symmetric: TTA changes boxes
        true_boxes, _ = data.test.targets()
        scored = json.loads((run_dir / "metrics.json").read_text())
        assert scored["iou"] == pytest.approx(metrics.localization_metrics(want, true_boxes)["iou"], abs=1e-9)
        assert evaluate(run_dir, reg, workers=0)["iou"] == pytest.approx(scored["iou"], abs=1e-9)
        got, _ = run_predictor(run_dir, reg).run(images)
        np.testing.assert_allclose(got, want, atol=1e-6)

        plain_run = train(_recipe(False), FW, reg, out=tmp_path / "plain", workers=0)
        plan, model, engine = load_run(plain_run, reg)
        plain, _ = decode_outputs(plan, engine.predict(model, [images]))
        np.testing.assert_allclose(run_predictor(plain_run, reg).run(images)[0], plain, atol=1e-6)

"""Box encodings and metrics against hand-computed values."""
from __future__ import annotations

import numpy as np
import pytest

from zoo import boxes, metrics

BOXES = np.array([[0.1, 0.2, 0.5, 0.9], [0.0, 0.0, 1.0, 1.0], [0.3, 0.3, 0.4, 0.5]], np.float32)


@pytest.mark.parametrize("encoding", ["xyxy", "xywh", "cxcywh"])
def test_encode_decode_round_trip(encoding: str) -> None:
    enc = boxes.encode(BOXES, encoding)
    assert enc.shape == (3, boxes.size(encoding))
    np.testing.assert_allclose(boxes.decode(enc, encoding), BOXES, atol=1e-6)


def test_known_encodings() -> None:
    np.testing.assert_allclose(boxes.encode(BOXES[:1], "cxcywh"), [[0.3, 0.55, 0.4, 0.7]], atol=1e-6)
    np.testing.assert_allclose(boxes.encode(BOXES[:1], "xywh"), [[0.1, 0.2, 0.4, 0.7]], atol=1e-6)


def test_square_encoding_keeps_centre_and_mean_side() -> None:
    sq = boxes.encode(np.array([[0.2, 0.2, 0.6, 0.4]]), "square")
    np.testing.assert_allclose(sq, [[0.25, 0.15, 0.3]], atol=1e-6)
    np.testing.assert_allclose(boxes.decode(sq, "square"), [[0.25, 0.15, 0.55, 0.45]], atol=1e-6)


def test_unknown_encoding_lists_valid() -> None:
    with pytest.raises(ValueError, match="valid: xyxy, xywh, cxcywh, square"):
        boxes.size("yxyx")


def test_iou_values() -> None:
    a = np.array([[0, 0, 2, 2], [0, 0, 1, 1], [0, 0, 1, 1], [0.5, 0.5, 0.2, 0.2]], float)
    b = np.array([[1, 1, 3, 3], [0, 0, 1, 1], [2, 2, 3, 3], [0, 0, 1, 1]], float)
    np.testing.assert_allclose(metrics.iou(a, b), [1 / 7, 1.0, 0.0, 0.0])


def test_disjoint_boxes_score_zero_not_the_lars76_bug() -> None:
    # disjoint on both axes: the unclamped formula gives (-1)*(-1)=+1 intersection
    assert metrics.iou(np.array([[0, 0, 1, 1.]]), np.array([[2, 2, 3, 3.]]))[0] == 0.0


def test_localization_metrics_and_baseline() -> None:
    true = np.array([[0, 0, 0.5, 0.5], [0.5, 0.5, 1, 1]])
    pred = np.array([[0, 0, 0.5, 0.5], [0, 0, 0.2, 0.2]])
    m = metrics.localization_metrics(pred, true, np.array([1, 0]), np.array([1, 1]))
    assert m == {"iou": 0.5, "corloc": 0.5, "n": 2, "accuracy": 0.5, "top1_loc": 0.5}
    base = metrics.baseline_metrics(np.array([[0.25, 0.25, 0.75, 0.75]]), true)
    assert base["box"] == [0.25, 0.25, 0.75, 0.75]
    assert base["iou"] == pytest.approx(1 / 7)


def test_decode_orders_swapped_corners() -> None:
    np.testing.assert_allclose(boxes.decode(np.array([[0.6, 0.1, 0.2, 0.5]]), "xyxy"), [[0.2, 0.1, 0.6, 0.5]])
    np.testing.assert_allclose(boxes.decode(np.array([[0.5, 0.5, -0.2, 0.1]]), "xywh"), [[0.3, 0.5, 0.5, 0.6]])

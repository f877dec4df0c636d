"""Synthetic sets: deterministic per (seed, index), boxes match the pixels, targets without rendering."""
from __future__ import annotations

import numpy as np
import pytest

from zoo.datasets.synthetic import blobs, shapes
from zoo.errors import DataError
from zoo.plugins import registry


def pixel_box(image: np.ndarray, background: np.ndarray | None = None) -> np.ndarray:
    mask = image.max(2) > 127 if background is None else np.any(image != background, axis=2)
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32)


def test_blobs_box_is_the_disc_and_deterministic() -> None:
    a, b = blobs(64, 64, 0.1, 0.1, 3), blobs(64, 64, 0.1, 0.1, 3)
    for i in (0, 17, 63):
        np.testing.assert_array_equal(a.load(i).image, b.load(i).image)
        assert np.abs(pixel_box(a.load(i).image) / 64 - a.targets()[0][i]).max() <= 1 / 64
    assert not np.array_equal(a.targets()[0], blobs(64, 64, 0.1, 0.1, 4).targets()[0])


def test_shapes_classes_and_exact_boxes() -> None:
    data = shapes(60, 64, 0.2, 0.2, 1, 6)
    assert data.class_names == ("disc", "square", "triangle", "cross", "ring", "diamond")
    boxes, labels = data.targets()
    assert set(labels.tolist()) == set(range(6))
    for i in range(0, 60, 7):
        image = data.load(i).image
        x1, y1, x2, y2 = (boxes[i] * 64).round().astype(int)
        assert image.shape == (64, 64, 3) and image.dtype == np.uint8
        region = image[y1:y2, x1:x2]
        _, counts = np.unique(region.reshape(-1, 3), axis=0, return_counts=True)
        assert counts.max() >= 0.25 * region.shape[0] * region.shape[1]  # the shape's flat colour
    splits = data.splits()
    assert sorted(np.concatenate(list(splits.values())).tolist()) == list(range(60))
    with pytest.raises(DataError, match="choose 2 to 6"):
        shapes(10, 64, 0.1, 0.1, 0, 9)


def test_stratified_split_keeps_every_class_in_test() -> None:
    data = shapes(400, 32, 0.1, 0.2, 0, 4)
    labels = data.targets()[1]
    for part in ("val", "test"):
        assert set(labels[data.splits()[part]].tolist()) == {0, 1, 2, 3}


@pytest.mark.parametrize("background", ["black", "natural"])
def test_cats(background: str) -> None:
    pytest.importorskip("skimage")
    data = registry().build("dataset", "cats", "neutral", {"n": 20, "size": 96, "background": background})
    again = registry().build("dataset", "cats", "neutral", {"n": 20, "size": 96, "background": background})
    for i in (0, 5, 19):
        sample = data.load(i)
        np.testing.assert_array_equal(sample.image, again.load(i).image)
        if background == "black":
            assert np.abs(pixel_box(sample.image, np.zeros(3, np.uint8)) / 96 - sample.box).max() <= 1.5 / 96
    assert data.load(3, (32, 32)).image.shape == (32, 32, 3)


def test_all_datasets_registered_with_classes_meta() -> None:
    reg = registry()
    names = set(reg.names("dataset"))
    assert {"blobs", "shapes", "cats", "voc", "csv", "coco", "yolo", "oxford_pets"} <= names
    assert reg.info("dataset", "shapes").metadata()["classes"] is True
    assert reg.info("dataset", "blobs").metadata()["classes"] is False
    assert reg.info("dataset", "csv").metadata({"layout": "selfie"})["classes"] is False

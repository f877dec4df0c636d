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
    # guards: the box is the shape's bounding rectangle (a shape drawn off its box fails here)
    data = shapes(60, 64, 0.2, 0.2, 1, 6)
    assert data.class_names == ("disc", "square", "triangle", "cross", "ring", "diamond")
    boxes, labels = data.targets()
    assert set(labels.tolist()) == set(range(6))
    for i in range(60):
        image = data.load(i).image
        assert image.shape == (64, 64, 3) and image.dtype == np.uint8
        # the shape's colour has a 255 channel; the noise background stays below 160
        shape_box = pixel_box(np.where(image.max(2, keepdims=True) == 255, 255, 0).astype(np.uint8))
        assert np.abs(shape_box / 64 - boxes[i]).max() <= 1 / 64, (i, shape_box, boxes[i] * 64)
    splits = data.splits()
    assert sorted(np.concatenate(list(splits.values())).tolist()) == list(range(60))
    with pytest.raises(DataError, match="choose 2 to 6"):
        shapes(10, 64, 0.1, 0.1, 0, 9)


@pytest.mark.parametrize("make", [lambda n: blobs(n, 48, 0.1, 0.1, 3), lambda n: shapes(n, 48, 0.1, 0.1, 3, 4)],
                         ids=["blobs", "shapes"])
def test_item_is_a_pure_function_of_seed_and_index(make) -> None:  # type: ignore[no-untyped-def]
    # guards docs/datasets.md: "each item is a pure function of (seed, index)", whatever n is
    small, large = make(64), make(128)
    for i in (0, 5, 63):
        a, b = small.load(i), large.load(i)
        np.testing.assert_array_equal(a.image, b.image)
        np.testing.assert_array_equal(a.box, b.box)
        assert a.label == b.label
    np.testing.assert_array_equal(small.targets()[0], large.targets()[0][:64])


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
    black = registry().build("dataset", "cats", "neutral", {"n": 20, "size": 96, "background": "black"})
    for i in (0, 5, 19):
        sample = data.load(i)
        np.testing.assert_array_equal(sample.image, again.load(i).image)
        on_black = black.load(i).image
        # guards: the box is where the cat is pasted, on either background. Same seed, same geometry:
        # the box is the cat's pixels on black, and the natural image holds the same cat pixels there.
        np.testing.assert_array_equal(sample.box, black.load(i).box)
        assert np.abs(pixel_box(on_black, np.zeros(3, np.uint8)) / 96 - sample.box).max() <= 1.5 / 96
        x1, y1, x2, y2 = (sample.box * 96).round().astype(int)
        np.testing.assert_array_equal(sample.image[y1:y2, x1:x2], on_black[y1:y2, x1:x2])
        if background == "natural":
            assert not np.array_equal(sample.image, on_black)
    assert data.load(3, (32, 32)).image.shape == (32, 32, 3)
    small, large = (registry().build("dataset", "cats", "neutral", {"n": n, "size": 48, "background": background})
                    for n in (8, 16))
    np.testing.assert_array_equal(small.load(5).image, large.load(5).image)  # pure in (seed, index)


def test_all_datasets_registered_with_classes_meta() -> None:
    reg = registry()
    names = set(reg.names("dataset"))
    assert {"blobs", "shapes", "cats", "voc", "csv", "coco", "yolo", "oxford_pets"} <= names
    assert reg.info("dataset", "shapes").metadata()["classes"] is True
    assert reg.info("dataset", "blobs").metadata()["classes"] is False
    assert reg.info("dataset", "csv").metadata({"layout": "selfie"})["classes"] is False

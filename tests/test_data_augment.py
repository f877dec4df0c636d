"""Augmentation keeps the box on the object; the pipeline applies it deterministically."""
from __future__ import annotations

import numpy as np

from zoo.data.augment import augment, hflip
from zoo.data.pipeline import Pipeline
from zoo.data.splits import stratified_split
from zoo.datasets.synthetic import blobs
from zoo.recipes import AugmentSpec


def white_box(image: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(image.max(2) > 127)
    h, w = image.shape[:2]
    return np.array([xs.min() / w, ys.min() / h, (xs.max() + 1) / w, (ys.max() + 1) / h])


def test_boxes_follow_flip_crop_and_jitter() -> None:
    data = blobs(40, 96, 0.0, 0.0, 2)
    spec = AugmentSpec(hflip=True, crop=0.6, jitter=0.3)
    for i in range(40):
        sample = data.load(i)
        image, box = augment(sample.image, sample.box, spec, np.random.default_rng(i))
        assert image.shape == sample.image.shape and image.dtype == np.uint8 and box.dtype == np.float32
        assert np.abs(white_box(image) - box).max() <= 1.5 / 96


def test_boxes_follow_the_zoom_out_and_objects_get_smaller() -> None:
    data = blobs(40, 96, 0.0, 0.0, 3)
    spec = AugmentSpec(hflip=True, crop=0.3, expand=1.0)
    smaller = 0
    for i in range(40):
        sample = data.load(i)
        image, box = augment(sample.image, sample.box, spec, np.random.default_rng(i))
        assert image.shape == sample.image.shape and image.dtype == np.uint8 and box.dtype == np.float32
        assert np.abs(white_box(image) - box).max() <= 2.0 / 96
        smaller += bool(np.prod(box[2:] - box[:2]) < 0.9 * np.prod(sample.box[2:] - sample.box[:2]))
    assert 8 <= smaller <= 32  # about half the draws zoom out


def test_recipes_without_zoom_out_keep_their_random_stream() -> None:
    """The zoom-out draws come after the flip, crop and jitter draws, and only when it is on: a
    recipe without it consumes exactly those three draws, as before it existed."""
    sample = blobs(1, 64, 0.0, 0.0, 5).load(0)
    used = np.random.default_rng(9)
    augment(sample.image, sample.box, AugmentSpec(hflip=True, crop=0.3, jitter=0.2), used)
    expected = np.random.default_rng(9)
    expected.random(), expected.random(4), expected.uniform(-1, 1, 3)
    assert used.random() == expected.random()
    zooming = np.random.default_rng(9)
    augment(sample.image, sample.box, AugmentSpec(hflip=True, crop=0.3, jitter=0.2, expand=0.5), zooming)
    assert zooming.random() != np.random.default_rng(9).random()


def test_hflip_is_exact() -> None:
    image = np.zeros((10, 20, 3), np.uint8)
    image[2:5, 1:6] = 255
    flipped, box = hflip(image, np.array([0.05, 0.2, 0.3, 0.5], np.float32))
    np.testing.assert_allclose(white_box(flipped), box, atol=1e-6)


def test_pipeline_augments_deterministically() -> None:
    data = blobs(30, 64, 0.0, 0.0, 0)
    make = lambda: Pipeline(data, np.arange(30), (48, 48), 8, shuffle=True, seed=1,
                            augment=AugmentSpec(hflip=True, crop=0.3), workers=2)
    a, b = list(make().batches(2)), list(make().batches(2))
    assert all(np.array_equal(x.images, y.images) and np.array_equal(x.boxes, y.boxes) for x, y in zip(a, b))
    plain = next(Pipeline(data, np.arange(30), (48, 48), 8).batches(0))
    assert not np.array_equal(a[0].images, plain.images)


def test_split_partition_and_seed() -> None:
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    one = stratified_split(np.arange(100), labels, {"val": 0.1, "test": 0.2}, seed=4)
    two = stratified_split(np.arange(100), labels, {"val": 0.1, "test": 0.2}, seed=4)
    assert all(np.array_equal(one[k], two[k]) for k in one)
    assert sorted(np.concatenate(list(one.values())).tolist()) == list(range(100))
    assert np.bincount(labels[one["test"]]).tolist() == [10, 6, 4]

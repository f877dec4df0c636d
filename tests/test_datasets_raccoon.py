"""The real-photo check: voc and csv readers agree on ../shared/data/raccoon (skipped when absent)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zoo.plugins import registry

RACCOON = Path(os.environ.get("ZOO_RACCOON_DIR") or Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
               / "raccoon").resolve()
pytestmark = [pytest.mark.raccoon,
              pytest.mark.skipif(not (RACCOON / "annotations").is_dir(), reason=f"raccoon data absent at {RACCOON}")]


def build(name: str, **params: object) -> object:
    return registry().build("dataset", name, "neutral", params)


@pytest.fixture(scope="module")
def readers() -> tuple[object, object]:
    voc = build("voc", root=str(RACCOON))
    csv = build("csv", root=str(RACCOON / "images"), train=str(RACCOON / "labels" / "train_labels.csv"),
                test=str(RACCOON / "labels" / "test_labels.csv"))
    return voc, csv


def test_same_200_images_same_boxes_to_a_pixel(readers: tuple[object, object]) -> None:
    voc, csv = readers
    assert len(voc) == len(csv) == 200
    by_voc = {p.name: b for p, b in zip(voc.paths, voc.targets()[0])}
    by_csv = {p.name: b for p, b in zip(csv.paths, csv.targets()[0])}
    assert by_voc.keys() == by_csv.keys()
    for name, box in by_voc.items():
        w, h = Image.open(RACCOON / "images" / name).size
        assert np.abs((box - by_csv[name]) * [w, h, w, h]).max() < 0.5, name


def test_sixteen_multi_object_images_reported(readers: tuple[object, object]) -> None:
    for data in readers:
        assert "16 images hold several objects: kept the largest (17 boxes dropped)" in data.report().notes
        assert not data.report().skipped


def test_author_split_160_40(readers: tuple[object, object]) -> None:
    _, csv = readers
    splits = csv.splits()
    assert (len(splits["train"]), len(splits["test"])) == (160, 40)
    test_names = {line.split(",")[0] for line in (RACCOON / "labels" / "test_labels.csv").read_text().splitlines()[1:]}
    assert {csv.paths[i].name for i in splits["test"]} == test_names


def test_grayscale_images_load_as_rgb(readers: tuple[object, object]) -> None:
    voc, _ = readers
    grey = [i for i, p in enumerate(voc.paths) if Image.open(p).mode != "RGB"]
    assert len(grey) == 3
    for i in grey:
        image = voc.load(i, (128, 128)).image
        assert image.shape == (128, 128, 3) and image.dtype == np.uint8

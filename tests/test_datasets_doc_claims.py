"""Claims of docs/datasets.md checked directly: an image in both the train and the test CSV is a
counted skip; an annotation whose stated size differs from the file is counted in a note and its
box normalized by the annotation's size; without a val split the trainer carves a seeded 10 % of
train into val."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from zoo.recipes import get
from zoo.training import prepare_data
from zoo.datasets.synthetic import blobs

HEADER = "filename,width,height,class,xmin,ymin,xmax,ymax\n"
READER = dict(columns={}, header=None, box_format="", units="", test_share=0.0, policy="largest", val=0.0,
              seed=0, cache=False, check_files=True)


def read_csv(root: Path, train: Path, test: Path | None = None):  # type: ignore[no-untyped-def]
    from zoo.datasets.csv_reader import csv_dataset

    return csv_dataset(str(root), str(train), str(test or ""), "raccoon", **READER)  # type: ignore[arg-type]


def test_image_in_both_train_and_test_csv_is_a_counted_skip(tmp_path: Path) -> None:
    # guards docs/datasets.md: "image in both the train and the test file: every copy skipped"
    for name in ("a", "b", "c", "d"):
        Image.new("RGB", (100, 50)).save(tmp_path / f"{name}.png")
    row = ",100,50,x,10,10,50,40\n"
    train = tmp_path / "train.csv"
    train.write_text(HEADER + "".join(f"{n}.png{row}" for n in ("a", "b", "c")))
    test = tmp_path / "test.csv"
    test.write_text(HEADER + "".join(f"{n}.png{row}" for n in ("b", "d")))
    data = read_csv(tmp_path, train, test)
    keys = [data.load(int(i)).key for i in range(len(data))]
    assert sorted(keys) == ["a.png", "c.png", "d.png"]
    assert data.report().skip_counts() == {"in both train and test": 1}
    assert [k for k, _ in data.report().skipped] == ["b.png"]
    splits = data.splits()
    assert sorted(keys[i] for i in splits["test"]) == ["d.png"]
    assert sorted(keys[i] for i in splits["train"]) == ["a.png", "c.png"]


def test_annotation_size_differing_from_the_file_is_counted(tmp_path: Path) -> None:
    # guards docs/datasets.md: "annotation's stated size differs from the file: counted note; boxes
    # normalized by the annotation's size"
    Image.new("RGB", (100, 50)).save(tmp_path / "same.png")
    Image.new("RGB", (200, 100)).save(tmp_path / "bigger.png")
    train = tmp_path / "train.csv"
    train.write_text(HEADER + "same.png,100,50,x,10,10,50,40\nbigger.png,100,50,x,10,10,50,40\n")
    data = read_csv(tmp_path, train)
    assert len(data) == 2 and data.report().skip_counts() == {}
    np.testing.assert_allclose(data.targets()[0], [[0.1, 0.2, 0.5, 0.8]] * 2, atol=1e-6)
    notes = [n for n in data.report().notes if "state an image size that differs from the file" in n]
    assert len(notes) == 1 and notes[0].startswith("1 annotations")


def test_without_a_val_split_a_seeded_tenth_of_train_is_val() -> None:
    # guards docs: "without a val split, a seeded 10 % of train" (the trainer's carve-out)
    dataset = blobs(200, 16, 0.0, 0.1, 0)
    assert len(dataset.splits()["val"]) == 0
    train = np.asarray(dataset.splits()["train"])

    def carve(seed: int) -> tuple[np.ndarray, np.ndarray]:
        recipe = get("default", overrides=[f"train.seed={seed}", "input_size=16"])
        data = prepare_data(recipe, dataset, workers=0)
        return np.asarray(data.train.indices), np.asarray(data.val.indices)

    kept, val = carve(0)
    assert len(val) == len(train) // 10 and len(kept) == len(train) - len(val)
    assert sorted([*kept.tolist(), *val.tolist()]) == sorted(train.tolist())  # a partition of train
    again, val_again = carve(0)
    np.testing.assert_array_equal(val, val_again)
    _, other = carve(1)
    assert set(other.tolist()) != set(val.tolist())  # the seed draws it
    assert not set(val.tolist()) <= set(train[: len(val) * 2].tolist())  # not merely the first items

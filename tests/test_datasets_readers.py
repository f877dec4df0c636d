"""File readers on small folders the tests create: formats, policies, skips and errors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zoo.datasets.coco import coco
from zoo.datasets.csv_reader import csv_dataset
from zoo.datasets.oxford_pets import oxford_pets
from zoo.datasets.voc import voc
from zoo.datasets.yolo import yolo
from zoo.errors import DataError

READER = dict(policy="largest", val=0.0, seed=0, cache=False, check_files=True)


def image(path: Path, w: int = 100, h: int = 50) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (w, h), (10, 20, 30)).save(path)


def voc_xml(path: Path, filename: str, boxes: list[tuple[float, ...]], names: list[str] | None = None,
            size: tuple[int, int] = (100, 50)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    objs = "".join(f"<object><name>{n}</name><bndbox><xmin>{b[0]}</xmin><ymin>{b[1]}</ymin><xmax>{b[2]}</xmax>"
                   f"<ymax>{b[3]}</ymax></bndbox></object>" for b, n in zip(boxes, names or ["a"] * len(boxes)))
    path.write_text(f"<annotation><filename>{filename}</filename><size><width>{size[0]}</width>"
                    f"<height>{size[1]}</height></size>{objs}</annotation>")


def make_voc(root: Path) -> None:
    for i in range(6):
        image(root / "images" / f"im{i}.png")
    voc_xml(root / "annotations" / "im0.xml", "im0.png", [(10, 10, 50, 40)], ["cat"])
    voc_xml(root / "annotations" / "im1.xml", "im1.png", [(0, 0, 20, 20), (10, 5, 90, 45)], ["cat", "dog"])
    voc_xml(root / "annotations" / "im2.xml", "im2.png", [(-5, 10, 120, 40)], ["dog"])           # clipped
    voc_xml(root / "annotations" / "im3.xml", "im3.png", [(50, 10, 20, 40)], ["dog"])            # inverted
    voc_xml(root / "annotations" / "im4.xml", "../outside.png", [(1, 1, 9, 9)], ["dog"])          # escapes
    voc_xml(root / "annotations" / "im5.xml", "missing.png", [(1, 1, 9, 9)], ["dog"])             # missing
    voc_xml(root / "annotations" / "im6.xml", "/etc/passwd", [(1, 1, 9, 9)], ["dog"])             # absolute


def read_voc(root: Path, **kw: object) -> object:
    args = dict(annotations="annotations", images="images", train_list="", val_list="", test_list="", test_share=0.0,
                **READER)
    args.update(kw)
    return voc(str(root), **args)  # type: ignore[arg-type]


def test_voc_rules_each_counted(tmp_path: Path) -> None:
    make_voc(tmp_path)
    data = read_voc(tmp_path)
    assert len(data) == 3 and data.class_names == ("cat", "dog")
    boxes, labels = data.targets()
    np.testing.assert_allclose(boxes[1], [0.1, 0.1, 0.9, 0.9])  # largest of two, normalized
    np.testing.assert_allclose(boxes[2], [0.0, 0.2, 1.0, 0.8])  # clipped
    assert labels.tolist() == [0, 1, 1]
    report = data.report()
    reasons = dict(report.skipped)
    assert "no valid box" in reasons["im3"] and "escapes" in reasons["im4"] and "escapes" in reasons["im6"]
    assert "missing" in reasons["im5"]
    text = " | ".join(report.notes)
    assert "1 images hold several objects: kept the largest (1 boxes dropped)" in text
    assert "1 boxes extended outside" in text and "1 inverted" in text
    assert data.load(0, (20, 40)).image.shape == (20, 40, 3)


@pytest.mark.parametrize("policy,kept", [("first", [0, 0, 0.2, 0.4]), ("skip", None)])
def test_voc_policies(tmp_path: Path, policy: str, kept: list[float] | None) -> None:
    make_voc(tmp_path)
    data = read_voc(tmp_path, policy=policy)
    keys = data.keys
    if kept is None:
        assert "im1" not in keys and "policy skip" in dict(data.report().skipped)["im1"]
    else:
        np.testing.assert_allclose(data.targets()[0][keys.index("im1")], kept)


def test_voc_policy_error_and_missing_root(tmp_path: Path) -> None:
    make_voc(tmp_path)
    with pytest.raises(DataError, match="im1 holds 2 objects"):
        read_voc(tmp_path, policy="error")
    with pytest.raises(DataError, match="dataset root directory does not exist"):
        read_voc(tmp_path / "nowhere")


def test_voc_malformed_xml_names_file_and_line(tmp_path: Path) -> None:
    make_voc(tmp_path)
    (tmp_path / "annotations" / "im0.xml").write_text("<annotation>\n<filename>x</filename>\n<oops></annotation>")
    assert "im0.xml:3: malformed XML" in dict(read_voc(tmp_path).report().skipped)["im0"]
    with pytest.raises(DataError) as info:
        read_voc(tmp_path, strict=True)
    assert "im0.xml:3: malformed XML" in str(info.value) and "\n" not in str(info.value)


def test_voc_split_lists(tmp_path: Path) -> None:
    make_voc(tmp_path)
    (tmp_path / "train.txt").write_text("im0\nim1\n")
    (tmp_path / "test.txt").write_text("im2\n")
    data = read_voc(tmp_path, train_list="train.txt", test_list="test.txt")
    splits = data.splits()
    assert [data.keys[i] for i in splits["test"]] == ["im2"] and len(splits["train"]) == 2


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def read_csv(root: Path, train: Path, layout: str = "raccoon", test: str = "", **kw: object) -> object:
    args = dict(columns={}, header=None, box_format="", units="", test_share=0.0, **READER)
    args.update(kw)
    return csv_dataset(str(root), str(train), test, layout, **args)  # type: ignore[arg-type]


def test_csv_layouts_agree(tmp_path: Path) -> None:
    for i in range(3):
        image(tmp_path / f"im{i}.png")
    raccoon = write(tmp_path / "r.csv", "filename,width,height,class,xmin,ymin,xmax,ymax\n"
                    "im0.png,100,50,a,10,10,50,40\nim1.png,100,50,b,0,0,20,20\nim1.png,100,50,b,10,5,90,45\n")
    lars = write(tmp_path / "l.csv", "/home/someone/train/im0.png,30,25,40,30,a,0\n"
                 "/home/someone/train/im1.png,50,25,80,40,b,1\n")
    selfie = write(tmp_path / "s.csv", 'img_path,bbox\nim0.png,"[10, 10, 50, 40]"\nim1.png,"[10, 5, 90, 45]"\n')
    custom = write(tmp_path / "c.csv", "p;x;y;w;h\nim0.png;0.1;0.2;0.4;0.6\nim1.png;0.1;0.1;0.8;0.8\n")
    results = [read_csv(tmp_path, raccoon), read_csv(tmp_path, lars, "lars76"), read_csv(tmp_path, selfie, "selfie")]
    custom_data = None
    # guards: semicolons are not the CSV delimiter: the one-line error names the missing column and the header
    with pytest.raises(DataError, match=r"column 'p' is missing from the header \['p;x;y;w;h'\]; set the csv"):
        custom_data = read_csv(tmp_path, custom, "custom", columns={"path": "p", "box": ["x", "y", "w", "h"]})
    custom = write(tmp_path / "c.csv", "p,x,y,w,h\nim0.png,0.1,0.2,0.4,0.6\nim1.png,0.1,0.1,0.8,0.8\n")
    custom_data = read_csv(tmp_path, custom, "custom", columns={"path": "p", "box": ["x", "y", "w", "h"]},
                           box_format="xywh", units="normalized")
    for data in [*results, custom_data]:
        np.testing.assert_allclose(data.targets()[0], [[0.1, 0.2, 0.5, 0.8], [0.1, 0.1, 0.9, 0.9]], atol=1e-6)
    assert results[0].class_names == ("a", "b") and results[2].class_names == ()
    assert "1 images hold several objects" in results[0].report().notes[0]


def test_csv_train_test_files_and_bad_rows(tmp_path: Path) -> None:
    for i in range(4):
        image(tmp_path / f"im{i}.png")
    head = "filename,width,height,class,xmin,ymin,xmax,ymax\n"
    train = write(tmp_path / "train.csv", head + "im0.png,100,50,a,1,1,9,9\nim1.png,100,50,a,1,1,9,9\n"
                  "im2.png,100,50,a,1,1,9,9\n../up.png,100,50,a,1,1,9,9\n")
    test = write(tmp_path / "test.csv", head + "im3.png,100,50,a,1,1,9,9\n")
    data = read_csv(tmp_path, train, test=str(test))
    assert {k: len(v) for k, v in data.splits().items()} == {"train": 3, "val": 0, "test": 1}
    assert "escapes" in dict(data.report().skipped)["../up.png"]
    bad = write(tmp_path / "bad.csv", head + "im0.png,100,50,a,1,1,9,9\nim1.png,100,50,a,1,one,9,9\n")
    assert "bad.csv:3: box is not four numbers" in dict(read_csv(tmp_path, bad).report().skipped)["im1.png"]
    with pytest.raises(DataError, match=r"bad.csv:3: box is not four numbers"):
        read_csv(tmp_path, bad, strict=True)
    quote = write(tmp_path / "q.csv", head + 'im1.png,100,50,a,1,1,9,9\nim0.png,100,50,a,1,1,9,"9\n')
    with pytest.raises(DataError, match="malformed CSV|not four numbers"):
        read_csv(tmp_path, quote, strict=True)
    with pytest.raises(DataError, match="column 'xmin' is missing"):
        read_csv(tmp_path, write(tmp_path / "h.csv", "filename,width\nim0.png,3\n"))


def test_coco(tmp_path: Path) -> None:
    for i in range(3):
        image(tmp_path / "img" / f"im{i}.png")
    doc = {"images": [{"id": i, "file_name": f"im{i}.png", "width": 100, "height": 50} for i in range(3)],
           "annotations": [{"image_id": 0, "bbox": [10, 10, 40, 30], "category_id": 7},
                           {"image_id": 1, "bbox": [10, 5, 80, 40], "category_id": 3},
                           {"image_id": 2, "bbox": [0, 0, 5, 5], "category_id": 3, "iscrowd": 1}],
           "categories": [{"id": 3, "name": "dog"}, {"id": 7, "name": "cat"}]}
    path = write(tmp_path / "inst.json", json.dumps(doc))
    data = coco(str(tmp_path / "img"), str(path), "", test_share=0.0, **READER)  # type: ignore[arg-type]
    assert data.class_names == ("dog", "cat") and data.targets()[1].tolist() == [1, 0]
    np.testing.assert_allclose(data.targets()[0][0], [0.1, 0.2, 0.5, 0.8])
    assert "1 crowd" in " ".join(data.report().notes) and dict(data.report().skipped)["im2.png"]
    write(path, '{"images": [\n {"id": 1,}\n]}')
    with pytest.raises(DataError, match=r"inst.json:2: malformed JSON"):
        coco(str(tmp_path / "img"), str(path), "", test_share=0.0, **READER)  # type: ignore[arg-type]


def test_yolo(tmp_path: Path) -> None:
    for part, names in (("train", ["a", "b"]), ("val", ["c"])):
        for n in names:
            image(tmp_path / "images" / part / f"{n}.png")
    write(tmp_path / "labels" / "train" / "a.txt", "1 0.3 0.5 0.4 0.6\n")
    write(tmp_path / "labels" / "val" / "c.txt", "0 0.5 0.5 0.2 0.2\n")
    write(tmp_path / "classes.txt", "cat\ndog\n")
    data = yolo(str(tmp_path), "images", "labels", "classes.txt", test_share=0.0, **READER)  # type: ignore[arg-type]
    assert len(data) == 2 and data.class_names == ("cat", "dog") and data.targets()[1].tolist() == [1, 0]
    np.testing.assert_allclose(data.targets()[0][0], [0.1, 0.2, 0.5, 0.8], atol=1e-6)
    assert data.splits()["val"].tolist() == [1] and "no label file" in data.report().skipped[0][1]
    write(tmp_path / "labels" / "train" / "a.txt", "1 0.3 0.5\n")
    with pytest.raises(DataError, match=r"a.txt:1: expected 'class cx cy w h'"):
        yolo(str(tmp_path), "images", "labels", "classes.txt", test_share=0.0, strict=True, **READER)  # type: ignore[arg-type]


def test_oxford_pets_layout(tmp_path: Path) -> None:
    ids = [f"Abyssinian_{i}" for i in range(1, 5)] + [f"beagle_{i}" for i in range(1, 5)]
    for i in ids:
        image(tmp_path / "images" / f"{i}.jpg")
    for i in ids[:3] + ids[4:7]:
        voc_xml(tmp_path / "annotations" / "xmls" / f"{i}.xml", f"{i}.jpg", [(10, 10, 50, 40)])
    rows = [f"{i} {1 if i[0] == 'A' else 2} {1 if i[0] == 'A' else 2} 1" for i in ids]
    write(tmp_path / "annotations" / "list.txt", "#header\n" + "\n".join(rows) + "\n")
    kw = dict(policy="largest", val=0.0, seed=0, cache=True, check_files=True, test_share=0.34)
    data = oxford_pets(str(tmp_path), "breed", **kw)  # type: ignore[arg-type]
    assert len(data) == 6 and data.class_names == ("Abyssinian", "beagle")
    assert sum("no XML" in r for _, r in data.report().skipped) == 2
    assert "2 images have no XML" in data.report().notes[0]
    test = data.splits()["test"]
    assert sorted(data.targets()[1][test].tolist()) == [0, 1]  # stratified
    assert oxford_pets(str(tmp_path), "species", **kw).class_names == ("cat", "dog")  # type: ignore[arg-type]
    binary = oxford_pets(str(tmp_path), "binary_first", **kw)  # type: ignore[arg-type]
    assert binary.targets()[1].tolist() == [0, 0, 0, 1, 1, 1]
    assert data.load(0, (16, 16)).image is data.load(0, (16, 16)).image  # cached

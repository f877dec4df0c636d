"""Real-data hardening of the readers: per-item problems are named, counted skips (errors with
``strict``); damaged images decode tolerantly and are counted; undecodable ones are found before
training; whole-file problems are one-line errors; silent label errors are gone."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from zoo.datasets.coco import coco
from zoo.datasets.csv_reader import csv_dataset
from zoo.datasets.voc import voc
from zoo.datasets.yolo import yolo
from zoo.errors import DataError

READER = {"policy": "largest", "val": 0.0, "seed": 0, "cache": False, "check_files": True}


def jpeg_bytes(w: int = 80, h: int = 64, seed: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def truncated_jpeg(path: Path) -> None:
    """A JPEG missing its last 20 bytes: viewers show it; a strict decoder refuses it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes()[:-20])


def undecodable_jpeg(path: Path) -> None:
    """A JPEG whose header reads (size known) but whose image data is gone: no decoder can load it."""
    data = jpeg_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: data.find(b"\xff\xda")])


def good_jpeg(path: Path, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes(seed=seed))


def voc_xml(path: Path, filename: str, box: tuple[object, ...] = (10, 10, 50, 40), name: str = "cat",
            size: tuple[object, object] = (80, 64)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<annotation><filename>{filename}</filename><size><width>{size[0]}</width>"
                    f"<height>{size[1]}</height></size><object><name>{name}</name><bndbox><xmin>{box[0]}</xmin>"
                    f"<ymin>{box[1]}</ymin><xmax>{box[2]}</xmax><ymax>{box[3]}</ymax></bndbox></object></annotation>")


def read_voc(root: Path, **kw: object):  # type: ignore[no-untyped-def]
    args = dict(annotations="annotations", images="images", train_list="", val_list="", test_list="", test_share=0.0,
                strict=False, **READER)
    args.update(kw)
    return voc(str(root), **args)  # type: ignore[arg-type]


def hostile_voc(root: Path) -> None:
    for i in range(3):
        good_jpeg(root / "images" / f"ok{i}.jpg", i)
        voc_xml(root / "annotations" / f"ok{i}.xml", f"ok{i}.jpg")
    truncated_jpeg(root / "images" / "trunc.jpg")
    voc_xml(root / "annotations" / "trunc.xml", "trunc.jpg")
    undecodable_jpeg(root / "images" / "broken.jpg")
    voc_xml(root / "annotations" / "broken.xml", "broken.jpg")
    good_jpeg(root / "images" / "nan.jpg")
    voc_xml(root / "annotations" / "nan.xml", "nan.jpg", box=(10, "ten", 50, 40))
    (root / "annotations" / "malformed.xml").write_text("<annotation><filename>ok0.jpg</filename>")
    good_jpeg(root / "images" / "huge.jpg")
    voc_xml(root / "annotations" / "huge.xml", "huge.jpg", size=("1e400", "inf"))


# -- point 1 --------------------------------------------------------------------------------------
def test_voc_per_item_problems_are_counted_skips(tmp_path: Path) -> None:
    hostile_voc(tmp_path)
    data = read_voc(tmp_path)
    assert sorted(data.keys) == ["ok0", "ok1", "ok2", "trunc"]
    reasons = dict(data.report().skipped)
    assert "cannot decode image" in reasons["broken"]
    assert "'ten'" in reasons["nan"] and "not a number" in reasons["nan"]
    assert "malformed XML" in reasons["malformed"]
    assert "size" in reasons["huge"] and "inf" in reasons["huge"]
    counts = data.report().skip_counts()
    assert counts == {"unreadable image": 1, "bad annotation": 3}
    assert sum(counts.values()) == len(data.report().skipped)
    assert any("1 damaged or truncated image(s) decoded tolerantly" in n for n in data.report().notes)
    trunc = data.load(data.keys.index("trunc"), (32, 32))
    assert trunc.image.shape == (32, 32, 3)


def test_strict_turns_every_skip_into_an_error(tmp_path: Path) -> None:
    hostile_voc(tmp_path)
    with pytest.raises(DataError, match="strict") as err:
        read_voc(tmp_path, strict=True)
    assert "\n" not in str(err.value)


def test_strict_refuses_a_truncated_image(tmp_path: Path) -> None:
    good_jpeg(tmp_path / "images" / "a.jpg")
    voc_xml(tmp_path / "annotations" / "a.xml", "a.jpg")
    truncated_jpeg(tmp_path / "images" / "t.jpg")
    voc_xml(tmp_path / "annotations" / "t.xml", "t.jpg")
    assert len(read_voc(tmp_path)) == 2
    with pytest.raises(DataError, match="t.jpg.*truncated"):
        read_voc(tmp_path, strict=True)


def write_csv(path: Path, rows: list[str]) -> None:
    path.write_text("filename,width,height,class,xmin,ymin,xmax,ymax\n" + "\n".join(rows) + "\n")


def read_csv(root: Path, train: Path, test: str = "", **kw: object):  # type: ignore[no-untyped-def]
    args = dict(layout="raccoon", columns={}, header=None, box_format="", units="", test_share=0.2,
                strict=False, **READER)
    args.update(kw)
    return csv_dataset(str(root), str(train), test, **args)  # type: ignore[arg-type]


def test_csv_bad_rows_are_skips(tmp_path: Path) -> None:
    for i in range(4):
        good_jpeg(tmp_path / f"{i}.jpg", i)
    write_csv(tmp_path / "t.csv", ["0.jpg,80,64,cat,1,1,20,20", "1.jpg,80,64,cat,1,x,20,20",
                                   "2.jpg,inf,1e400,cat,1,1,20,20", "3.jpg,80,64,cat,1,1,20,20", "4.jpg,80",
                                   '"5.jpg"x,80,64,cat,1,1,20,20'])
    data = read_csv(tmp_path, tmp_path / "t.csv")
    assert sorted(data.keys) == ["0.jpg", "3.jpg"]
    reasons = dict(data.report().skipped)
    assert "box is not four numbers" in reasons["1.jpg"] and "size" in reasons["2.jpg"]
    assert "t.csv:6: column 'xmin' is missing" in reasons["4.jpg"]
    assert "malformed CSV" in reasons["t.csv:7"]
    assert data.report().skip_counts() == {"bad annotation": 4}
    with pytest.raises(DataError, match="strict"):
        read_csv(tmp_path, tmp_path / "t.csv", strict=True)


def test_csv_missing_column_is_a_whole_file_error(tmp_path: Path) -> None:
    good_jpeg(tmp_path / "0.jpg")
    (tmp_path / "t.csv").write_text("filename,class\n0.jpg,cat\n")
    with pytest.raises(DataError, match="column 'xmin' is missing"):
        read_csv(tmp_path, tmp_path / "t.csv")


def read_yolo(root: Path, **kw: object):  # type: ignore[no-untyped-def]
    args = dict(images="images", labels="labels", classes="classes.txt", test_share=0.0, strict=False, **READER)
    args.update(kw)
    return yolo(str(root), **args)  # type: ignore[arg-type]


def test_yolo_label_errors_are_skips(tmp_path: Path) -> None:
    (tmp_path / "classes.txt").write_text("cat\ndog\n")
    labels = {"ok": "1 0.5 0.5 0.2 0.2", "neg": "-1 0.5 0.5 0.2 0.2", "beyond": "7 0.5 0.5 0.2 0.2",
              "words": "0 0.5 x 0.2 0.2"}
    for i, (name, line) in enumerate(labels.items()):
        good_jpeg(tmp_path / "images" / f"{name}.jpg", i)
        (tmp_path / "labels").mkdir(exist_ok=True)
        (tmp_path / "labels" / f"{name}.txt").write_text(line + "\n")
    (tmp_path / "labels" / "orphan.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    data = read_yolo(tmp_path)
    assert data.keys == ["ok.jpg"] and data.class_names == ("cat", "dog") and data.targets()[1].tolist() == [1]
    reasons = dict(data.report().skipped)
    assert "class id -1" in reasons["neg.jpg"] and "class id 7" in reasons["beyond.jpg"]
    assert "expected 'class cx cy w h'" in reasons["words.jpg"]
    assert "no image" in reasons[str(Path("orphan.txt"))]
    assert data.report().skip_counts() == {"bad annotation": 2, "unknown class": 1, "label without image": 1}


# -- point 3: COCO --------------------------------------------------------------------------------
def coco_json(path: Path, images: list[dict], annotations: list[dict], categories: list[dict] | None = None) -> Path:
    path.write_text(json.dumps({"images": images, "annotations": annotations,
                                "categories": categories if categories is not None else
                                [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]}))
    return path


def read_coco(root: Path, train: Path, test: Path | None = None, **kw: object):  # type: ignore[no-untyped-def]
    args = dict(test_share=0.2, strict=False, **READER)
    args.update(kw)
    return coco(str(root), str(train), str(test or ""), **args)  # type: ignore[arg-type]


def test_coco_label_errors(tmp_path: Path) -> None:
    for i in range(5):
        good_jpeg(tmp_path / f"{i}.jpg", i)
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 80, "height": 64} for i in range(4)]
    images.append({"id": 9, "file_name": "0.jpg", "width": 80, "height": 64})          # same file, other id
    images.append({"id": 10, "file_name": "4.jpg", "width": 1e400, "height": 64})      # inf size
    anns = [{"id": i, "image_id": i, "bbox": [1, 1, 20, 20], "category_id": 1} for i in (0, 1, 2, 9, 10)]
    anns.append({"id": 3, "image_id": 3, "bbox": [1, 1, 20, 20], "category_id": 5})    # unknown category
    train = coco_json(tmp_path / "train.json", images, anns)
    test = coco_json(tmp_path / "test.json", [{"id": 1, "file_name": "1.jpg", "width": 80, "height": 64}],
                     [{"id": 1, "image_id": 1, "bbox": [1, 1, 20, 20], "category_id": 2}])
    data = read_coco(tmp_path, train, test)
    assert data.keys == ["2.jpg"] and data.targets()[1].tolist() == [0]
    counts = data.report().skip_counts()
    assert counts == {"duplicate image": 2, "in both train and test": 2, "unknown class": 1, "bad annotation": 1}
    reasons = [r for _, r in data.report().skipped]
    assert any("category_id 5" in r for r in reasons) and any("inf" in r for r in reasons)


def test_coco_whole_file_problems_are_one_line_errors(tmp_path: Path) -> None:
    good_jpeg(tmp_path / "0.jpg")
    (tmp_path / "a.json").write_text("not json")
    with pytest.raises(DataError, match="malformed JSON"):
        read_coco(tmp_path, tmp_path / "a.json")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataError, match="nested too deeply") as err:
        read_coco(tmp_path, tmp_path / "deep.json")
    assert "\n" not in str(err.value)


# -- point 2: counts shown by zoo data show ------------------------------------------------------
def test_summary_line_counts_by_reason(tmp_path: Path) -> None:
    hostile_voc(tmp_path)
    data = read_voc(tmp_path)
    assert data.report().summary(len(data)) == "skipped 4 of 8: 3 bad annotations, 1 unreadable image"


def test_data_show_prints_counts_by_reason(tmp_path: Path, fake_registry: object) -> None:
    from zoo.cli import cli

    hostile_voc(tmp_path)
    result = CliRunner().invoke(cli, ["data", "show", "voc", "--set", f"root={tmp_path}", "--samples", "0"])
    assert result.exit_code == 0, result.output
    assert "skipped 4 of 8: 3 bad annotations, 1 unreadable image" in result.output


# -- point 5: labelme containment ----------------------------------------------------------------
def test_inside_root_is_public() -> None:
    import zoo.plugin
    from zoo.datasets import inside_root

    assert {"inside_root", "inspect_image", "stated_size", "Collector", "Annotation"} <= set(zoo.plugin.__all__)

    root = Path("/data/set").resolve()
    assert inside_root(root, "a/b.jpg") == root / "a" / "b.jpg"
    for name in ("../x.jpg", "/etc/passwd", "a/../../x.jpg", "C:/x.jpg", "..\\x.jpg"):
        assert inside_root(root, name) is None, name
    assert inside_root(root, "../b.jpg", base=root / "a") == root / "b.jpg"


def test_labelme_image_path_stays_inside_root(tmp_path: Path) -> None:
    labelme = pytest.importorskip("zoo_example.labelme")
    root = tmp_path / "set"
    good_jpeg(tmp_path / "outside.jpg")
    good_jpeg(root / "in.jpg")
    shape = [{"shape_type": "rectangle", "label": "cat", "points": [[1, 1], [20, 20]]}]
    for key, image_path in (("ok", "in.jpg"), ("up", "../outside.jpg"), ("abs", str(tmp_path / "outside.jpg"))):
        (root / f"{key}.json").write_text(json.dumps({"imagePath": image_path, "shapes": shape}))
    data = labelme.labelme(str(root), True, 0.0, 0.0, 0, False)
    assert [i.key for i in data.items] == ["ok.json"]
    reasons = dict(data.report().skipped)
    assert "outside" in reasons["up.json"] and "outside" in reasons["abs.json"]


def test_scaffolded_reader_keeps_images_inside_its_folder(tmp_path: Path) -> None:
    import importlib.util

    from zoo.scaffold import files

    source = next(text for path, text in files("demo", ("torch",)).items() if path.endswith("reader.py"))
    (tmp_path / "reader.py").write_text(source)
    spec = importlib.util.spec_from_file_location("demo_reader", tmp_path / "reader.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    good_jpeg(tmp_path / "outside.jpg")
    good_jpeg(tmp_path / "set" / "in.jpg")
    (tmp_path / "set" / "items.json").write_text(json.dumps(
        [{"image": "in.jpg", "box": [1, 1, 20, 20]}, {"image": "../outside.jpg", "box": [1, 1, 20, 20]},
         {"image": str(tmp_path / "outside.jpg"), "box": [1, 1, 20, 20]}]))
    data = module.read_json(str(tmp_path / "set" / "items.json"), 0.0, 0.0, 0)
    assert len(data) == 1 and len(data.report().skipped) == 2
    assert all("outside" in reason for _, reason in data.report().skipped)


def test_oxford_pets_bad_list_line_is_a_skip(tmp_path: Path) -> None:
    from zoo.datasets.oxford_pets import oxford_pets

    ids = {"Abyssinian_1": "1 1 1", "Abyssinian_2": "1 7 1", "beagle_1": "2 2 1", "beagle_2": "2 x 1"}
    (tmp_path / "annotations" / "xmls").mkdir(parents=True)
    for i, image_id in enumerate(ids):
        good_jpeg(tmp_path / "images" / f"{image_id}.jpg", i)
        voc_xml(tmp_path / "annotations" / "xmls" / f"{image_id}.xml", f"{image_id}.jpg")
    (tmp_path / "annotations" / "list.txt").write_text("".join(f"{k} {v}\n" for k, v in ids.items()))
    data = oxford_pets(str(tmp_path), "species", test_share=0.0, strict=False, **{**READER, "val": 0.0})
    assert data.keys == ["Abyssinian_1", "beagle_1"] and data.class_names == ("cat", "dog")
    assert data.report().skip_counts() == {"bad annotation": 2}
    assert "list.txt:2" in dict(data.report().skipped)["Abyssinian_2"]


def test_collector_never_labels_minus_one_in_a_dataset_with_classes(tmp_path: Path) -> None:
    from zoo.datasets._base import Annotation, Collector

    collector = Collector(tmp_path.resolve(), "test", check_files=True)
    for i, cls in enumerate(["cat", "zebra"]):
        good_jpeg(tmp_path / f"{i}.jpg", i)
        collector.add(Annotation(str(i), f"{i}.jpg", [(1, 1, 20, 20)], [cls]))
    data = collector.dataset(class_names=["cat", "dog"], test_share=0.0)
    assert data.keys == ["0"] and data.targets()[1].tolist() == [0]
    assert data.report().skip_counts() == {"unknown class": 1}


def test_unchecked_undecodable_image_says_how_to_skip_it(tmp_path: Path) -> None:
    good_jpeg(tmp_path / "images" / "a.jpg")
    voc_xml(tmp_path / "annotations" / "a.xml", "a.jpg")
    undecodable_jpeg(tmp_path / "images" / "b.jpg")
    voc_xml(tmp_path / "annotations" / "b.xml", "b.jpg")
    data = read_voc(tmp_path, check_files=False)
    with pytest.raises(DataError, match="b.jpg: cannot decode image.*check_files: false; set it to true") as err:
        data.load(data.keys.index("b"), (16, 16))
    assert "\n" not in str(err.value)
    assert read_voc(tmp_path).keys == ["a"]

"""Fuzzing every reader with randomly corrupted annotation files and images (hypothesis).

Whatever the corruption, a reader either raises `zoo.errors.ZooError` (a whole-file problem, or no
usable item left) or builds a dataset in which every input item is either kept (and loads) or
listed in `report().skipped`, and the skip counts add up. Bounded: a few dozen examples per reader.
"""
from __future__ import annotations

import base64
import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from zoo.errors import ZooError

N = 5
STATS = {"built": 0, "error": 0}  # how often a reader built a dataset vs raised (for ZOO_FUZZ_STATS)
READER = {"policy": "largest", "val": 0.0, "seed": 0, "cache": False, "check_files": True, "strict": False}
HOSTILE = ["inf", "-inf", "nan", "1e400", "-1", "abc", "", "0", "99999999999999999999", "[]", "{", '"', "\x00"]
#: ZOO_FUZZ_EXAMPLES=1000 (and ZOO_FUZZ_RANDOM=1 for new draws each run) fuzzes longer by hand
FUZZ = settings(max_examples=int(os.environ.get("ZOO_FUZZ_EXAMPLES", "30")), deadline=None,
                suppress_health_check=list(HealthCheck), derandomize=not os.environ.get("ZOO_FUZZ_RANDOM"),
                database=None)


def _jpeg(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


@st.composite
def broken_bytes(draw: Any, data: bytes) -> bytes:
    """`data` left alone, truncated, with bytes overwritten, cut before the scan, or replaced."""
    how = draw(st.sampled_from(["keep"] * 6 + ["truncate", "flip", "header", "garbage", "empty"]))
    if how == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if how == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
        return bytes(out)
    if how == "header":
        return data[: max(data.find(b"\xff\xda"), 0)]
    if how == "garbage":
        return draw(st.binary(max_size=64))
    return b"" if how == "empty" else data


@st.composite
def broken_text(draw: Any, text: str) -> str:
    """`text` left alone, a token replaced by a hostile value, truncated, or with junk inserted."""
    how = draw(st.sampled_from(["keep"] * 3 + ["token", "token", "truncate", "insert"]))
    if how == "token":
        tokens = [m for m in __import__("re").finditer(r"[-\w.]+", text)]
        if tokens:
            m = draw(st.sampled_from(tokens))
            return text[: m.start()] + draw(st.sampled_from(HOSTILE)) + text[m.end():]
    if how == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if how == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.text(max_size=8)) + text[at:]
    return text


def _images(draw: Any, folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(draw(broken_bytes(_jpeg(i))))


def _check(build: Callable[[], Any], items: list[str], covered: Callable[[str, set[str]], bool] = lambda i, s: False,
           ) -> None:
    """The fuzz invariant (see the module docstring); `items` are the input items' keys, and
    `covered(item, skipped keys)` says whether a skip of a larger part (CSV lines) holds it."""
    try:
        data = build()
    except ZooError as exc:
        assert "\n" not in str(exc) and str(exc)
        STATS["error"] += 1
        return
    STATS["built"] += 1
    skipped = {k for k, _ in data.report().skipped}
    kept = set(data.keys) if hasattr(data, "keys") else {i.key for i in data.items}
    missing = [i for i in items if i not in kept and i not in skipped and not covered(i, skipped)]
    assert not missing, (missing, data.report().skipped)
    assert sum(data.report().skip_counts().values()) == len(data.report().skipped)
    for index in range(len(data)):
        sample = data.load(index, (16, 16))
        assert sample.image.shape == (16, 16, 3) and sample.image.dtype == np.uint8
        assert np.all(np.isfinite(sample.box)) and np.all((sample.box >= 0) & (sample.box <= 1))


VOC_XML = ("<annotation><filename>{name}</filename><size><width>32</width><height>24</height></size>"
           "<object><name>{cls}</name><bndbox><xmin>2</xmin><ymin>3</ymin><xmax>20</xmax><ymax>18</ymax></bndbox>"
           "</object></annotation>")


@FUZZ
@given(st.data())
def test_fuzz_voc(data: Any) -> None:
    from zoo.datasets.voc import voc

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _images(data.draw, root / "images", [f"im{i}.jpg" for i in range(N)])
        (root / "annotations").mkdir()
        for i in range(N):
            text = VOC_XML.format(name=f"im{i}.jpg", cls="ab"[i % 2])
            (root / "annotations" / f"im{i}.xml").write_text(data.draw(broken_text(text)))
        _check(lambda: voc(str(root), "annotations", "images", "", "", "", test_share=0.25, **READER),
               [f"im{i}" for i in range(N)])


@FUZZ
@given(st.data())
def test_fuzz_csv(data: Any) -> None:
    from zoo.datasets.csv_reader import csv_dataset

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _images(data.draw, root, [f"im{i}.jpg" for i in range(N)])
        broken = data.draw(st.sets(st.integers(0, N - 1), max_size=2))
        rows = ["filename,width,height,class,xmin,ymin,xmax,ymax"]
        for i in range(N):
            row = f"im{i}.jpg,32,24,{'ab'[i % 2]},2,3,20,18"
            rows.append(data.draw(broken_text(row)) if i in broken else row)
        (root / "t.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        def in_lines(item: str, skipped: set[str]) -> bool:  # im{i}.jpg is on line i + 2
            line = int(item[2:-4]) + 2
            spans = [k.split(":")[1].split("-") for k in skipped if k.startswith("t.csv:")]
            return any(int(s[0]) <= line <= int(s[-1]) for s in spans)

        _check(lambda: csv_dataset(str(root), str(root / "t.csv"), "", "raccoon", {}, None, "", "",
                                   test_share=0.25, **READER),
               [f"im{i}.jpg" for i in range(N) if i not in broken], in_lines)


def _hostile_json(draw: Any, value: Any, depth: int = 0) -> Any:
    """`value` with, at random places, a number / string / list replaced by a hostile value."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([None, -1, 1e308 * 10, float("nan"), "x", [], {}, True, [1, 2], 2**70]))
    if isinstance(value, dict):
        return {k: _hostile_json(draw, v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_hostile_json(draw, v, depth + 1) for v in value]
    return value


@FUZZ
@given(st.data())
def test_fuzz_coco(data: Any) -> None:
    from zoo.datasets.coco import coco

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _images(data.draw, root, [f"im{i}.jpg" for i in range(N)])
        doc = {"images": [{"id": i, "file_name": f"im{i}.jpg", "width": 32, "height": 24} for i in range(N)],
               "annotations": [{"id": i, "image_id": i, "bbox": [2, 3, 18, 15], "category_id": 1 + i % 2}
                               for i in range(N)],
               "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}
        doc = _hostile_json(data.draw, doc)
        text = json.dumps(doc)
        if data.draw(st.integers(0, 4)) == 0:
            text = data.draw(broken_text(text))
        (root / "i.json").write_text(text)
        entries = doc.get("images") if isinstance(doc, dict) else None
        items = [e["file_name"] if isinstance(e, dict) and isinstance(e.get("file_name"), str) and e["file_name"]
                 else f"images[{i}]" for i, e in enumerate(entries if isinstance(entries, list) else [])]
        if text != json.dumps(doc):
            items = []  # the text itself is broken: the items are whatever still parses
        _check(lambda: coco(str(root), str(root / "i.json"), "", test_share=0.25, **READER), items)


@FUZZ
@given(st.data())
def test_fuzz_yolo(data: Any) -> None:
    from zoo.datasets.yolo import yolo

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _images(data.draw, root / "images", [f"im{i}.jpg" for i in range(N)])
        (root / "labels").mkdir()
        for i in range(N):
            (root / "labels" / f"im{i}.txt").write_text(data.draw(broken_text(f"{i % 2} 0.5 0.5 0.4 0.3\n")))
        (root / "classes.txt").write_text(data.draw(broken_text("a\nb\n")))
        _check(lambda: yolo(str(root), "images", "labels", "classes.txt", test_share=0.25, **READER),
               [f"im{i}.jpg" for i in range(N)])


@FUZZ
@given(st.data())
def test_fuzz_oxford_pets(data: Any) -> None:
    from zoo.datasets.oxford_pets import oxford_pets

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ids = ["Abyssinian_1", "Abyssinian_2", "beagle_1", "beagle_2", "beagle_3"]
        _images(data.draw, root / "images", [f"{i}.jpg" for i in ids])
        (root / "annotations" / "xmls").mkdir(parents=True)
        for i in ids:
            text = VOC_XML.format(name=f"{i}.jpg", cls="x")
            (root / "annotations" / "xmls" / f"{i}.xml").write_text(data.draw(broken_text(text)))
        lines = ["#Image CLASS-ID SPECIES BREED-ID"] + [f"{i} {1 if i[0] == 'A' else 2} {1 if i[0] == 'A' else 2} 1"
                                                        for i in ids]
        (root / "annotations" / "list.txt").write_text("\n".join(data.draw(broken_text(ln)) for ln in lines))
        labels = data.draw(st.sampled_from(["breed", "species", "binary_first"]))
        _check(lambda: oxford_pets(str(root), labels, test_share=0.25, **{**READER, "val": 0.0}), ids)


@FUZZ
@given(st.data())
def test_fuzz_labelme(data: Any) -> None:
    labelme = pytest.importorskip("zoo_example.labelme")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _images(data.draw, root, [f"im{i}.jpg" for i in range(N - 2)])
        for i in range(N):
            doc = {"imagePath": f"im{i}.jpg", "imageWidth": 32, "imageHeight": 24,
                   "shapes": [{"shape_type": "rectangle", "label": "ab"[i % 2], "points": [[2, 3], [20, 18]]}]}
            if i >= N - 2:  # no file: the image embedded (imageData, base64), perhaps broken
                doc["imageData"] = base64.b64encode(data.draw(broken_bytes(_jpeg(i)))).decode()
            (root / f"im{i}.json").write_text(data.draw(broken_text(json.dumps(_hostile_json(data.draw, doc)))))
        _check(lambda: labelme.labelme(str(root), True, 0.0, 0.25, 0, False), [f"im{i}.json" for i in range(N)])


def teardown_module() -> None:
    if os.environ.get("ZOO_FUZZ_STATS"):
        print(f"\nfuzz: {STATS}")

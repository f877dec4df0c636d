"""COCO reader: an instances JSON (``images``, ``annotations`` with pixel ``bbox`` = x, y, w, h,
``categories``). Crowd annotations (``iscrowd: 1``) are not objects a localizer can learn: dropped
and counted. Class names are the category names ordered by category id. The optional ``test``
JSON forms the test split; otherwise a seeded stratified ``test_fraction``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zoo.datasets._base import AnnotatedDataset, Annotation, Collector, existing_dir, existing_file, to_xyxy
from zoo.errors import DataError


def load_json(path: Path) -> Any:
    """Parsed JSON, or a one-line DataError naming the file and line."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg}); fix the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read as UTF-8 text ({exc}); check the file") from None


def parse_coco(path: Path, split: str | None) -> tuple[list[Annotation], dict[int, str], int]:
    """(annotations per image, category id -> name, crowd boxes dropped) of one instances file."""
    data = load_json(path)
    try:
        categories = {int(c["id"]): str(c["name"]) for c in data.get("categories", [])}
        images = {int(im["id"]): Annotation(str(im["file_name"]), str(im["file_name"]),
                                            size=(int(im.get("width", 0)), int(im.get("height", 0))), split=split)
                  for im in data["images"]}
        crowd = 0
        for a in data.get("annotations", []):
            if a.get("iscrowd", 0):
                crowd += 1
                continue
            ann = images.get(int(a["image_id"]))
            if ann is None:
                raise KeyError(f"annotation {a.get('id')} names image_id {a['image_id']} absent from 'images'")
            ann.boxes.append(to_xyxy(a["bbox"], "xywh"))
            ann.classes.append(categories.get(int(a.get("category_id", -1)), str(a.get("category_id", ""))))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(f"{path}: not a COCO instances file ({type(exc).__name__}: {exc}); "
                        "it needs 'images' with id/file_name and 'annotations' with image_id/bbox") from None
    return list(images.values()), categories, crowd


def coco(root: str, train: str, test: str, policy: str, val: float, test_fraction: float, seed: int,
         cache: bool, check_files: bool) -> AnnotatedDataset:
    """Images under `root` described by the COCO instances JSON `train` (and optional `test`)."""
    image_dir = existing_dir(root, "image", "root")
    files = [("train", existing_file(train, "COCO annotations", "train"))]
    if test:
        files.append(("test", existing_file(test, "COCO test annotations", "test")))
    collector = Collector(image_dir, f"coco dataset {files[0][1]}", policy=policy, check_files=check_files)
    categories: dict[int, str] = {}
    crowd = 0
    for split, path in files:
        anns, cats, dropped = parse_coco(path, split if test else None)
        categories.update(cats)
        crowd += dropped
        for ann in anns:
            collector.add(ann)
    names = [categories[k] for k in sorted(categories)] or None
    notes = [f"{crowd} crowd annotations (iscrowd=1) dropped"] if crowd else []
    return collector.dataset(class_names=names, val=val, test=test_fraction, seed=seed, cache=cache, notes=notes)

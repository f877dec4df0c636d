"""COCO reader: an instances JSON (``images``, ``annotations`` with pixel ``bbox`` = x, y, w, h,
``categories``). Crowd annotations (``iscrowd: 1``) are not objects a localizer can learn: dropped
and counted. Class names are the category names ordered by category id. The optional ``test``
JSON forms the test split; otherwise a seeded stratified ``test_share``.

Whole-file problems (not JSON, nested too deeply, no ``images`` list, malformed ``categories``)
are one-line DataErrors. A broken entry is a counted skip of its image: an image entry without
id or file name, an impossible size, a bbox that is not four finite numbers, a category id absent
from ``categories``. An image file named by two ids, or by the train and the test JSON, is
skipped (every copy, counted).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from zoo.datasets._base import (
    AnnotatedDataset,
    Annotation,
    Collector,
    existing_dir,
    existing_file,
    stated_size,
    to_xyxy,
)
from zoo.errors import DataError


def load_json(path: Path) -> Any:
    """Parsed JSON, or a one-line DataError naming the file (and line)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg}); fix the file") from None
    except RecursionError:
        raise DataError(f"{path}: JSON nested too deeply to be an annotation file; check the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read as UTF-8 text ({exc}); check the file") from None


def _whole_file(path: Path, problem: str) -> DataError:
    return DataError(f"{path}: not a COCO instances file ({problem}); it needs 'images' with id/file_name, "
                     "'annotations' with image_id/bbox and 'categories' with id/name")


def _categories(path: Path, data: dict[str, Any]) -> dict[int, str]:
    cats = data.get("categories") or []
    try:
        return {int(c["id"]): str(c["name"]) for c in cats}
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise _whole_file(path, f"a category lacks an integer id or a name: {type(exc).__name__}") from None


def _image(entry: Any, index: int, split: str | None) -> tuple[int | None, Annotation]:
    """(image id, annotation) of one ``images`` entry; a broken entry is an annotation marked failed."""
    if not isinstance(entry, dict) or not isinstance(entry.get("file_name"), str) or not entry["file_name"]:
        ann = Annotation(f"images[{index}]", "", split=split)
        ann.fail(f"images[{index}] has no file_name")
        return None, ann
    ann = Annotation(entry["file_name"], entry["file_name"], split=split)
    image_id = _int(entry.get("id"))
    if image_id is None:
        ann.fail(f"images[{index}]: id {entry.get('id')!r} is not an integer")
    try:
        ann.size = stated_size(entry.get("width", 0), entry.get("height", 0))
    except ValueError as exc:
        ann.fail(f"images[{index}]: {exc}")
    return image_id, ann


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def parse_coco(path: Path, split: str | None) -> tuple[list[Annotation], dict[int, str], int, list[str]]:
    """(annotations per image, category id -> name, crowd boxes dropped, orphan annotation ids)
    of one instances file; broken entries are marked failed (see the module docstring)."""
    data = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        raise _whole_file(path, "no 'images' list")
    if not isinstance(data.get("annotations", []), list):
        raise _whole_file(path, "'annotations' is not a list")
    categories = _categories(path, data)
    images: dict[int, Annotation] = {}
    out: list[Annotation] = []
    for index, entry in enumerate(data["images"]):
        image_id, ann = _image(entry, index, split)
        out.append(ann)
        if image_id is None:
            continue
        if image_id in images:
            ann.fail(f"image id {image_id} is listed twice")
            images[image_id].fail(f"image id {image_id} is listed twice")
        images[image_id] = ann
    crowd, orphans = 0, []
    for index, a in enumerate(data.get("annotations", [])):
        if not isinstance(a, dict):
            orphans.append(f"annotations[{index}]")
            continue
        ann = images.get(_int(a.get("image_id")))  # type: ignore[arg-type]
        if ann is None:
            orphans.append(f"annotations[{index}] (image_id {a.get('image_id')!r})")
            continue
        if a.get("iscrowd", 0):
            crowd += 1
            continue
        _add_box(ann, a, index, categories)
    return out, categories, crowd, orphans


def _add_box(ann: Annotation, a: dict[str, Any], index: int, categories: dict[int, str]) -> None:
    bbox = a.get("bbox")
    try:
        if not isinstance(bbox, list) or len(bbox) != 4 or any(isinstance(v, bool) for v in bbox):
            raise ValueError
        box = to_xyxy(bbox, "xywh")
    except (TypeError, ValueError, OverflowError):
        return ann.fail(f"annotations[{index}]: bbox {str(bbox)[:60]} is not four numbers x, y, w, h")
    category = _int(a.get("category_id"))
    if categories and category not in categories:
        return ann.fail(f"annotations[{index}]: category_id {a.get('category_id')!r} is not in 'categories'",
                        "unknown class")
    ann.boxes.append(box)
    ann.classes.append(categories.get(category, str(category)) if category is not None else "")  # type: ignore[arg-type]


def coco(root: str, train: str, test: str, policy: str, val: float, test_share: float, seed: int,
         cache: bool, check_files: bool, strict: bool = False) -> AnnotatedDataset:
    """Images under `root` described by the COCO instances JSON `train` (and optional `test`)."""
    image_dir = existing_dir(root, "image", "root")
    files = [("train", existing_file(train, "COCO annotations", "train"))]
    if test:
        files.append(("test", existing_file(test, "COCO test annotations", "test")))
    collector = Collector(image_dir, f"coco dataset {files[0][1]}", policy=policy, check_files=check_files,
                          strict=strict)
    categories: dict[int, str] = {}
    crowd = 0
    orphans: list[tuple[str, str]] = []
    for split, path in files:
        anns, cats, dropped, lost = parse_coco(path, split if test else None)
        categories.update(cats)
        crowd += dropped
        orphans += [(f"{path.name}: {o}", "names an image id absent from 'images'") for o in lost]
        for ann in anns:
            collector.add(ann)
    for key, reason in orphans:
        collector.skip(key, reason, "bad annotation")
    names = [categories[k] for k in sorted(categories)] or None
    notes = [f"{crowd} crowd annotations (iscrowd=1) dropped"] if crowd else []
    return collector.dataset(class_names=names, val=val, test_share=test_share, seed=seed, cache=cache, notes=notes)

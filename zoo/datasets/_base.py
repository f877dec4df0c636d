"""Shared machinery of the file readers: from parsed annotations to a `Dataset`.

A reader parses its format into `Annotation`s (one per image: file name, candidate boxes,
class names, optional image size and split) and hands them to `Collector`, which applies the
rules every reader shares, each a named, counted skip or note in the `DataReport`, never silent:

* an annotation the reader found broken (`Annotation.fail`: malformed file, non-numeric or
  non-finite value, unknown class): skipped;
* file names that escape the root (``../x.jpg``, absolute paths): skipped;
* missing image files, and images that do not decode (with ``check_files``, a cheap full decode
  before training): skipped (the whole root missing is a `DataError`);
* truncated or damaged images that decode tolerantly: kept, counted, loaded tolerantly;
* one image file annotated by several items (two ids, or in both train and test): all skipped;
* boxes outside the image: clipped and counted; inverted or zero-area boxes: dropped and counted;
* several objects in one image: the multi-object ``policy`` (largest, first, skip, error).

With ``strict`` every skip (and every damaged image) is a `DataError` instead.

`AnnotatedDataset` then serves the kept images: decoding through `load_image`, an optional
in-memory cache of resized images, and the dataset's own split when it has one, else a seeded
split stratified by class.
"""
from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zoo.data.splits import stratified_split
from zoo.datasets.images import image_size, inspect_image, load_image
from zoo.datasets.paths import existing_dir, existing_file, inside_root, user_path
from zoo.errors import DataError
from zoo.interfaces.dataset import SPLITS, DataReport, Dataset, Sample

POLICIES = ("largest", "first", "skip", "error")
#: largest image side an annotation may state (pixels)
MAX_SIDE = 1 << 20

__all__ = [
    "POLICIES",
    "AnnotatedDataset",
    "Annotation",
    "Collector",
    "existing_dir",
    "existing_file",
    "inside",
    "inside_root",
    "stated_size",
    "to_xyxy",
    "user_path",
]


def inside(root: Path, name: str) -> Path | None:
    """``root / name`` when it stays inside `root` (see `zoo.datasets.paths.inside_root`)."""
    return inside_root(root, name)


def stated_size(width: Any, height: Any) -> tuple[int, int] | None:
    """(width, height) an annotation states; None when absent or zero (the file's size is used);
    ValueError naming the values when they are not finite, positive, whole-ish numbers."""
    if width in (None, "", 0) and height in (None, "", 0):
        return None
    try:
        w, h = float(width), float(height)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"stated image size {width!r} x {height!r} is not two numbers") from None
    if not (math.isfinite(w) and math.isfinite(h)) or w < 0 or h < 0 or max(w, h) > MAX_SIDE:
        raise ValueError(f"stated image size {width!r} x {height!r} is not two finite sizes from 0 to {MAX_SIDE}")
    return (int(w), int(h)) if min(w, h) >= 1 else None


@dataclass
class Annotation:
    """One image as a reader parsed it. ``boxes`` are xyxy in pixels of the displayed image
    (or normalized when the collector's units are normalized)."""

    key: str
    name: str
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    size: tuple[int, int] | None = None  # (width, height) stated by the annotation
    split: str | None = None
    problem: tuple[str, str] | None = None  # (kind, reason) when the reader found it broken: skipped

    def fail(self, reason: str, kind: str = "bad annotation") -> None:
        """Mark this item broken (the first problem is kept): the collector skips it, counted."""
        if self.problem is None:
            self.problem = (kind, reason)


class Collector:
    """Applies the shared rules to `Annotation`s; `dataset(...)` makes the `AnnotatedDataset`."""

    def __init__(self, root: Path, source: str, *, policy: str = "largest", normalized: bool = False,
                 check_files: bool = True, strict: bool = False) -> None:
        if policy not in POLICIES:
            raise DataError(f"{source}: multi-object policy {policy!r} is unknown; use one of {', '.join(POLICIES)}")
        self.root, self.source, self.policy = root, source, policy
        self.normalized, self.check_files, self.strict = normalized, check_files, strict
        self.damaged: set[Path] = set()
        self.report = DataReport()
        self.counts: Counter[str] = Counter()
        self.paths: list[Path] = []
        self.boxes: list[np.ndarray] = []
        self.classes: list[str] = []
        self.keys: list[str] = []
        self.splits: list[str | None] = []

    def skip(self, key: str, reason: str, kind: str = "other", *, expected: bool = False) -> None:
        """Leave item `key` out, counted under `kind`; with ``strict`` a DataError instead, unless
        the skip is `expected` (part of the format, e.g. the official test images without boxes)."""
        if self.strict and not expected:
            raise DataError(f"{self.source}: {key}: {reason} (strict: true turns every skip into an error; "
                            "fix the item or set strict: false to skip it)")
        self.report.skip(key, reason, kind)

    def add(self, ann: Annotation) -> None:
        """Keep `ann` (one box after the policy) or record why not."""
        if ann.problem is not None:
            return self.skip(ann.key, ann.problem[1], ann.problem[0])
        path = inside(self.root, ann.name)
        if path is None:
            return self.skip(ann.key, f"file name {ann.name!r} escapes the dataset root {self.root}",
                             "file outside the root")
        if not path.is_file():
            return self.skip(ann.key, f"image file {path} is missing", "missing image")
        size = ann.size if ann.size and min(ann.size) > 0 else None
        if self.check_files or (size is None and not self.normalized):
            try:
                real, damaged = inspect_image(path) if self.check_files else (image_size(path), False)
            except DataError as exc:
                return self.skip(ann.key, str(exc), "unreadable image")
            if damaged:
                if self.strict:
                    raise DataError(f"{self.source}: {path}: truncated or damaged image (strict: true refuses it; "
                                    "re-save it with an image editor or set strict: false to decode it tolerantly)")
                self.damaged.add(path)
            if size is not None and tuple(size) != real:
                self.counts["size"] += 1
            size = size or real
        boxes = self._valid_boxes(ann, size)
        if not boxes:
            reason = "no object annotated" if not ann.boxes else "no valid box (inverted, zero-area or outside)"
            return self.skip(ann.key, reason, "no valid box")
        choice = self._apply_policy(ann.key, boxes)
        if choice is None:
            return
        box, cls = choice
        self.paths.append(path)
        self.boxes.append(box)
        self.classes.append(cls)
        self.keys.append(ann.key)
        self.splits.append(ann.split)

    def _valid_boxes(self, ann: Annotation, size: tuple[int, int] | None) -> list[tuple[np.ndarray, str]]:
        out = []
        scale = np.ones(4) if self.normalized or size is None else np.array([size[0], size[1]] * 2, np.float64)
        for box, cls in zip(ann.boxes, ann.classes or [""] * len(ann.boxes)):
            b = np.asarray(box, np.float64) / scale
            if not np.all(np.isfinite(b)) or b[2] <= b[0] or b[3] <= b[1]:
                self.counts["degenerate"] += 1
                continue
            clipped = np.clip(b, 0.0, 1.0)
            if clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
                self.counts["outside"] += 1
                continue
            if not np.array_equal(clipped, b):
                self.counts["clipped"] += 1
            out.append((clipped.astype(np.float32), cls))
        return out

    def _apply_policy(self, key: str, boxes: list[tuple[np.ndarray, str]]) -> tuple[np.ndarray, str] | None:
        if len(boxes) == 1:
            return boxes[0]
        if self.policy == "error":
            raise DataError(f"{self.source}: {key} holds {len(boxes)} objects; this reader keeps one per image: "
                            "set policy to largest, first or skip")
        self.counts["multi"] += 1
        self.counts["multi_dropped"] += len(boxes) - (0 if self.policy == "skip" else 1)
        if self.policy == "skip":
            self.report.skip(key, f"{len(boxes)} objects (policy skip)", "several objects")
            return None
        if self.policy == "first":
            return boxes[0]
        areas = [(b[2] - b[0]) * (b[3] - b[1]) for b, _ in boxes]
        return boxes[int(np.argmax(areas))]

    def notes(self) -> list[str]:
        c, out = self.counts, []
        if c["multi"]:
            action = {"largest": "kept the largest", "first": "kept the first", "skip": "skipped them"}[self.policy]
            out.append(f"{c['multi']} images hold several objects: {action} ({c['multi_dropped']} boxes dropped)")
        if c["clipped"]:
            out.append(f"{c['clipped']} boxes extended outside their image: clipped to it")
        if c["degenerate"]:
            out.append(f"{c['degenerate']} inverted, zero-area or non-numeric boxes dropped")
        if c["outside"]:
            out.append(f"{c['outside']} boxes lay wholly outside their image: dropped")
        if self.damaged:
            out.append(f"{len(self.damaged)} damaged or truncated image(s) decoded tolerantly "
                       "(the missing part is grey); re-save them to recover the whole image")
        if c["size"]:
            out.append(f"{c['size']} annotations state an image size that differs from the file: "
                       "boxes normalized by the annotation's size")
        return out

    def dataset(self, *, class_names: Sequence[str] | None = None, use_classes: bool = True, val: float = 0.0,
                test_share: float = 0.2, seed: int = 0, cache: bool = False, notes: Sequence[str] = ()) -> AnnotatedDataset:
        """The kept images as a dataset; class names sorted unless given (an item whose class is not
        among given names is skipped: never a label of -1 in a dataset with classes); DataError
        when none is kept."""
        self._drop_shared_files()
        if use_classes and class_names is not None:
            known = set(class_names)
            self._drop({i: (f"class {c!r} is not among the dataset's class names", "unknown class")
                        for i, c in enumerate(self.classes) if c not in known})
        self.report.notes[:0] = [*notes, *self.notes()]
        if not self.paths:
            raise DataError(f"{self.source}: no usable image ({len(self.report.skipped)} skipped, first: "
                            f"{self.report.skipped[0][1] if self.report.skipped else 'no annotation found'}); "
                            "check the dataset parameters")
        names = tuple(class_names) if class_names is not None else tuple(sorted(set(self.classes)))
        if use_classes:
            lookup = {n: i for i, n in enumerate(names)}
            labels = np.array([lookup.get(c, -1) for c in self.classes], np.int64)
        else:
            names, labels = (), np.full(len(self.paths), -1, np.int64)
        return AnnotatedDataset(self.paths, np.stack(self.boxes), labels, self.keys, names, self.report,
                                own_splits=self.splits, val=val, test_share=test_share, seed=seed, cache=cache,
                                damaged=[p in self.damaged for p in self.paths], checked=self.check_files)

    def _drop_shared_files(self) -> None:
        """Skip every item whose image file another kept item also names: two ids for one file,
        or one file in two splits (train/test leakage), have no single right answer."""
        by_path: dict[Path, list[int]] = {}
        for i, path in enumerate(self.paths):
            by_path.setdefault(path, []).append(i)
        drop: dict[int, tuple[str, str]] = {}
        for path, idx in by_path.items():
            if len(idx) < 2:
                continue
            keys = ", ".join(self.keys[i] for i in idx)
            splits = {self.splits[i] for i in idx}
            kind, why = (("in both train and test", f"listed in several splits ({keys})") if len(splits) > 1
                         else ("duplicate image", f"annotated {len(idx)} times ({keys})"))
            drop.update({i: (f"image file {path.name} {why}", kind) for i in idx})
        self._drop(drop)

    def _drop(self, drop: Mapping[int, tuple[str, str]]) -> None:
        """Skip the kept items at these indices, each with its (reason, kind)."""
        for i, (reason, kind) in drop.items():
            self.skip(self.keys[i], reason, kind)
        if drop:
            keep = [i for i in range(len(self.paths)) if i not in drop]
            for name in ("paths", "boxes", "classes", "keys", "splits"):
                values = getattr(self, name)
                setattr(self, name, [values[i] for i in keep])


class AnnotatedDataset(Dataset):
    """Images on disk with one box each, held in memory as arrays (targets cost nothing).

    Splits: the items' own split tags when any item has one (``val`` carved from train by the
    `val` share when no item is tagged val); otherwise seeded `val` / `test_share` shares, stratified
    by class. Items tagged with no split stay out of every split.
    """

    def __init__(self, paths: Sequence[Path], boxes: np.ndarray, labels: np.ndarray, keys: Sequence[str],
                 class_names: Sequence[str], report: DataReport, *, own_splits: Sequence[str | None] = (),
                 val: float = 0.0, test_share: float = 0.2, seed: int = 0, cache: bool = False,
                 damaged: Sequence[bool] = (), checked: bool = True) -> None:
        self.paths, self.keys = list(paths), list(keys)
        self._checked = checked
        self._damaged = list(damaged) or [False] * len(self.paths)
        self._boxes, self._labels = np.asarray(boxes, np.float32), np.asarray(labels, np.int64)
        self.class_names = tuple(class_names)
        self._report, self._own = report, list(own_splits)
        self._val, self._test_share, self._seed = val, test_share, seed
        self._cache: dict[tuple[int, tuple[int, int] | None], np.ndarray] | None = {} if cache else None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.paths)

    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        return self._boxes, self._labels

    def report(self) -> DataReport:
        return self._report

    def splits(self) -> Mapping[str, np.ndarray]:
        tags = np.array([t or "" for t in self._own]) if any(self._own) else None
        if tags is None:
            return stratified_split(np.arange(len(self)), self._labels, {"val": self._val, "test": self._test_share},
                                    self._seed)
        out = {name: np.flatnonzero(tags == name).astype(np.int64) for name in SPLITS}
        if len(out["val"]) == 0 and self._val > 0:
            part = stratified_split(out["train"], self._labels[out["train"]], {"val": self._val}, self._seed)
            out["train"], out["val"] = part["train"], part["val"]
        return out

    def __getstate__(self) -> dict[str, object]:  # picklable for DataLoader workers (spawn)
        state = dict(self.__dict__)
        state.pop("_lock")
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def load(self, index: int, size: tuple[int, int] | None = None) -> Sample:
        key = (int(index), None if size is None else (int(size[0]), int(size[1])))
        image = self._cache.get(key) if self._cache is not None else None
        if image is None:
            try:
                image = load_image(self.paths[index], key[1], tolerant=self._damaged[index])
            except DataError as exc:
                if self._checked:
                    raise
                raise DataError(f"{exc} (the dataset was read with check_files: false; set it to true to find "
                                "and skip such files before training starts)") from None
            if self._cache is not None:
                with self._lock:
                    self._cache[key] = image
        return Sample(image, self._boxes[index], int(self._labels[index]), self.keys[index])


BOX_FORMATS = ("xyxy", "xywh", "cxcywh")


def to_xyxy(values: Sequence[float], fmt: str) -> tuple[float, float, float, float]:
    """Four numbers in `fmt` (xyxy, xywh = top-left + size, cxcywh = centre + size) as xyxy."""
    a, b, c, d = (float(v) for v in values)
    if fmt == "xyxy":
        return a, b, c, d
    if fmt == "xywh":
        return a, b, a + c, b + d
    if fmt == "cxcywh":
        return a - c / 2, b - d / 2, a + c / 2, b + d / 2
    raise DataError(f"box format {fmt!r} is unknown; use one of {', '.join(BOX_FORMATS)}")

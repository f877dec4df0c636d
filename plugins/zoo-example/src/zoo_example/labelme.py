"""LabelMe reader: a folder of LabelMe JSON files, one per image, framework-neutral.

Each JSON names its image (``imagePath``, relative to the JSON file; LabelMe's Windows
backslashes are accepted) and holds ``shapes``; the shapes of type ``rectangle`` (two corner
points, in pixels of the displayed image) are the candidate boxes, and the largest one is the
image's box (its ``label`` the class). When the image file is missing but the JSON embeds it
(``imageData``, base64), the embedded image is used.

Nothing is dropped silently: every JSON left out is in `report().skipped` with its reason and
kind (unreadable JSON, no rectangle, an ``imagePath`` outside the root, no image, an image that
does not decode, degenerate rectangle), and `report().notes` counts images with several
rectangles, other shape types ignored, boxes clipped to the image and truncated images decoded
tolerantly. With ``strict`` every skip is a DataError instead. ``imagePath`` must stay inside
the root: `zoo.datasets.inside_root`, the check the core readers use, refuses ``../`` and
absolute paths.
"""
from __future__ import annotations

import base64
import io
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from zoo.plugin import (
    DataError, DataReport, Dataset, Sample, inside_root, inspect_image, load_image, stratified_split, to_rgb,
)


@dataclass
class Item:
    key: str
    path: Path | None      # the image file, or None when only the embedded data exists
    data: bytes | None     # embedded image (imageData), used when the file is missing
    damaged: bool = False  # the file decodes only tolerantly (truncated): loaded tolerantly


class LabelMe(Dataset):
    """The kept images of a LabelMe folder with one box each (see the module docstring)."""

    def __init__(self, root: str, classes: bool = True, val: float = 0.1, test_share: float = 0.2, seed: int = 0,
                 strict: bool = False) -> None:
        if not root:
            raise DataError("labelme: set the dataset parameter 'root' to a folder of LabelMe .json files")
        self.root = Path(root).expanduser().resolve()
        if not self.root.is_dir():
            raise DataError(f"labelme: {self.root} is not a directory; set the dataset parameter 'root' to it")
        self._val, self._test_share, self._seed, self._strict = val, test_share, seed, strict
        self._report = DataReport()
        self._counts: Counter[str] = Counter()
        self.items: list[Item] = []
        boxes: list[np.ndarray] = []
        names: list[str] = []
        for path in sorted(self.root.rglob("*.json")):
            found = self._read(path)
            if found is not None:
                item, box, label = found
                self.items.append(item)
                boxes.append(box)
                names.append(label)
        if not self.items:
            first = self._report.skipped[0][1] if self._report.skipped else "no .json file found"
            raise DataError(f"labelme: no usable image under {self.root} ({len(self._report.skipped)} skipped; "
                            f"first: {first})")
        self._boxes = np.stack(boxes).astype(np.float32)
        self.class_names = tuple(sorted(set(names))) if classes else ()
        lookup = {n: i for i, n in enumerate(self.class_names)}
        self._labels = np.array([lookup.get(n, -1) for n in names], np.int64)
        self._report.notes.extend(self._notes())

    # -- parsing --------------------------------------------------------------------------------
    def _read(self, path: Path) -> tuple[Item, np.ndarray, str] | None:
        key = str(path.relative_to(self.root))
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            shapes = doc.get("shapes") or []
            if not isinstance(shapes, list):
                raise TypeError("shapes is not a list")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, TypeError, RecursionError) as exc:
            return self._skip(key, f"not a LabelMe JSON file ({type(exc).__name__})", "bad annotation")
        rects = []
        for shape in shapes:
            if not isinstance(shape, dict) or shape.get("shape_type", "polygon") != "rectangle":
                self._counts["other_shapes"] += 1
                continue
            try:
                (ax, ay), (bx, by) = (np.asarray(p, np.float64) for p in shape["points"][:2])
                if not all(np.isfinite([ax, ay, bx, by])) or not all(np.ndim(v) == 0 for v in (ax, ay, bx, by)):
                    raise ValueError("not finite")
                rects.append(((min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)), str(shape.get("label", ""))))
            except (KeyError, TypeError, ValueError, OverflowError):
                self._counts["bad_points"] += 1
        if not rects:
            return self._skip(key, "no rectangle shape", "no valid box")
        item = self._image(path, key, doc)
        if item is None:
            return None
        size = self._size(item, key, doc)
        if size is None:
            return None
        w, h = size
        valid = [(np.clip(np.array(r, np.float64) / [w, h, w, h], 0, 1), label, r) for r, label in rects]
        valid = [(b, label, r) for b, label, r in valid if b[2] > b[0] and b[3] > b[1]]
        if not valid:
            return self._skip(key, "no rectangle with a positive area inside the image", "no valid box")
        if len(rects) > 1:
            self._counts["multi"] += 1
        box, label, raw = max(valid, key=lambda v: (v[0][2] - v[0][0]) * (v[0][3] - v[0][1]))
        if not np.allclose(box, np.array(raw) / [w, h, w, h]):
            self._counts["clipped"] += 1
        return item, box, label

    def _image(self, path: Path, key: str, doc: Mapping[str, object]) -> Item | None:
        name = str(doc.get("imagePath") or "")
        file = inside_root(self.root, name, base=path.parent) if name else None
        if name and file is None:
            return self._skip(key, f"imagePath {name[:80]!r} points outside the dataset root {self.root}",
                              "file outside the root")
        if file is not None and file.is_file():
            return Item(key, file, None)
        data = doc.get("imageData")
        if isinstance(data, str) and data:
            try:
                return Item(key, None, base64.b64decode(data))
            except ValueError:
                return self._skip(key, "imageData is not base64", "unreadable image")
        return self._skip(key, f"image file {name or '(no imagePath)'} is missing and the JSON embeds no imageData",
                          "missing image")

    def _size(self, item: Item, key: str, doc: Mapping[str, object]) -> tuple[int, int] | None:
        """The displayed (width, height) after a cheap decode (undecodable images are skipped),
        or the JSON's stated size when it gives one."""
        try:
            if item.path is not None:
                size, damaged = inspect_image(item.path)
                if damaged:
                    if self._strict:
                        raise DataError(f"labelme: {item.path}: truncated or damaged image (strict: true refuses it)")
                    self._counts["damaged"] += 1
                    item.damaged = True
            else:
                with Image.open(io.BytesIO(item.data or b"")) as im:
                    im.load()
                    size = im.size
        except DataError as exc:
            if self._strict:
                raise
            return self._skip(key, str(exc), "unreadable image")
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            return self._skip(key, f"embedded imageData cannot be decoded ({type(exc).__name__})", "unreadable image")
        w, h = doc.get("imageWidth"), doc.get("imageHeight")
        if isinstance(w, int) and isinstance(h, int) and 0 < w <= 1 << 20 and 0 < h <= 1 << 20:
            return w, h
        return size

    def _skip(self, key: str, reason: str, kind: str = "other") -> None:
        """Record why `key` is left out (a DataError with ``strict``); returns None so callers can
        ``return self._skip(...)``."""
        if self._strict:
            raise DataError(f"labelme: {key}: {reason} (strict: true turns every skip into an error)")
        self._report.skip(key, reason, kind)

    def _notes(self) -> list[str]:
        c, out = self._counts, []
        if c["multi"]:
            out.append(f"{c['multi']} images hold several rectangles: kept the largest")
        if c["other_shapes"]:
            out.append(f"{c['other_shapes']} shapes that are not rectangles ignored (polygons, points, ...)")
        if c["bad_points"]:
            out.append(f"{c['bad_points']} rectangles without two corner points ignored")
        if c["clipped"]:
            out.append(f"{c['clipped']} boxes extended outside their image: clipped to it")
        if c["damaged"]:
            out.append(f"{c['damaged']} damaged or truncated image(s) decoded tolerantly")
        return out

    # -- Dataset --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.items)

    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        return self._boxes, self._labels

    def splits(self) -> Mapping[str, np.ndarray]:
        labels = self._labels if self.class_names else None
        return stratified_split(np.arange(len(self)), labels, {"val": self._val, "test": self._test_share}, self._seed)

    def report(self) -> DataReport:
        return self._report

    def load(self, index: int, size: tuple[int, int] | None = None) -> Sample:
        item = self.items[index]
        if item.path is not None:
            image = load_image(item.path, size, tolerant=item.damaged)
        else:
            with Image.open(io.BytesIO(item.data or b"")) as im:
                pil = to_rgb(im)
                if size is not None:
                    pil = pil.resize((size[1], size[0]), Image.BILINEAR)
                image = np.asarray(pil, np.uint8)
        return Sample(image, self._boxes[index], int(self._labels[index]), item.key)


def labelme(root: str, classes: bool, val: float, test_share: float, seed: int, strict: bool = False) -> LabelMe:
    """Factory of the ``labelme`` dataset."""
    return LabelMe(root, classes, val, test_share, seed, strict)

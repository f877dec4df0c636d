"""CSV reader: one row per box, with presets for the forms seen in the seeds.

Layouts (``layout`` param; ``columns``/``header``/``box_format``/``units`` override a preset):
    raccoon  header ``filename,width,height,class,xmin,ymin,xmax,ymax``; pixels, xyxy
    lars76   no header ``path,cx,cy,w,h,class_name,class_id``; pixels of the stored image, cxcywh;
             the paths are absolute paths of the author's machine, so only the file name is used
    selfie   header ``path,"[x1, y1, x2, y2]"``; pixels, xyxy, the box one bracketed column
    custom   ``columns`` says it all

Rows sharing a file name are one image (multi-object policy). The ``train`` file's rows form
the train split and the ``test`` file's rows the test split (the author's split); without a test
file, a seeded ``test_share`` stratified by class. Pixel boxes are normalized by the width /
height columns when present, else by the image's own size.

A bad row (malformed CSV, a missing cell, a box that is not four numbers, an impossible size)
makes its image a counted skip naming file and line (``strict``: a DataError); a column the
header lacks, or a file that cannot be read, is a whole-file DataError.
"""
from __future__ import annotations

import ast
import csv
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
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

Column = str | int


@dataclass(frozen=True)
class Layout:
    header: bool
    path: Column
    box: list[Column] | Column   # four columns, or one holding "[a, b, c, d]"
    cls: Column | None = None
    width: Column | None = None
    height: Column | None = None
    box_format: str = "xyxy"
    units: str = "pixels"
    basename: bool = False


LAYOUTS: dict[str, Layout] = {
    "raccoon": Layout(True, "filename", ["xmin", "ymin", "xmax", "ymax"], "class", "width", "height"),
    "lars76": Layout(False, 0, [1, 2, 3, 4], 5, box_format="cxcywh", basename=True),
    "selfie": Layout(True, 0, 1),
    "custom": Layout(True, "path", ["x1", "y1", "x2", "y2"]),
}


def make_layout(layout: str, columns: Mapping[str, Any], header: bool | None, box_format: str, units: str) -> Layout:
    if layout not in LAYOUTS:
        raise DataError(f"csv layout {layout!r} is unknown; use one of {', '.join(LAYOUTS)}")
    base = LAYOUTS[layout]
    renames = {"class": "cls"}
    unknown = set(columns) - {"path", "box", "class", "width", "height"}
    if unknown:
        raise DataError(f"csv columns keys {sorted(unknown)} are unknown; use path, box, class, width, height")
    changes: dict[str, Any] = {renames.get(k, k): v for k, v in columns.items()}
    if header is not None:
        changes["header"] = header
    if box_format:
        changes["box_format"] = box_format
    if units:
        changes["units"] = units
    return replace(base, **changes)


class RowError(ValueError):
    """A problem of one row (its image is skipped)."""


def _rows(path: Path, layout: Layout) -> list[tuple[str, dict[Column, str] | str]]:
    """(line, cells by column name and index) of every non-empty row; a malformed row gives
    (lines, reason) instead, e.g. ("2-5", ...) when an unclosed quote swallowed lines 2 to 5.
    A header lacking a column the layout names is a DataError."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, strict=True)
            names: list[str] = []
            out: list[tuple[str, dict[Column, str] | str]] = []
            while True:
                start = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    lines = str(start) if reader.line_num <= start else f"{start}-{reader.line_num}"
                    out.append((lines, f"malformed CSV ({exc})"))
                    continue
                if not row or all(not c.strip() for c in row):
                    continue
                if layout.header and not names:
                    names = [c.strip() for c in row]
                    _check_header(path, names, layout)
                    continue
                cells: dict[Column, str] = {i: c.strip() for i, c in enumerate(row)}
                cells.update({n: row[i].strip() for i, n in enumerate(names) if i < len(row)})
                out.append((str(start) if reader.line_num <= start else f"{start}-{reader.line_num}", cells))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read as UTF-8 text ({exc}); check the file") from None
    return out


def _check_header(path: Path, names: list[str], layout: Layout) -> None:
    box = layout.box if isinstance(layout.box, list) else [layout.box]
    for col in [layout.path, *box, layout.cls, layout.width, layout.height]:
        if isinstance(col, str) and col not in names:
            raise DataError(f"{path}: column {col!r} is missing from the header {names[:8]}; "
                            "set the csv 'layout' or 'columns' to match the file")


def _get(cells: dict[Column, str], col: Column, where: str) -> str:
    if col not in cells:
        kind = "column" if isinstance(col, str) else "column number"
        raise RowError(f"{where}: {kind} {col!r} is missing; fix the row (or set the csv 'layout' / 'columns')")
    return cells[col]


def _box(cells: dict[Column, str], layout: Layout, where: str) -> tuple[float, float, float, float]:
    try:
        if isinstance(layout.box, list):
            values = [float(_get(cells, c, where)) for c in layout.box]
        else:
            text = _get(cells, layout.box, where)
            if len(text) > 200:
                raise ValueError("too long")
            values = [float(v) for v in ast.literal_eval(text)]
        if len(values) != 4:
            raise ValueError(f"{len(values)} numbers")
    except RowError:
        raise
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise RowError(f"{where}: box is not four numbers ({type(exc).__name__}: {str(exc)[:60]}); fix the row") \
            from None
    return to_xyxy(values, layout.box_format)


def parse_csv(path: Path, layout: Layout, split: str | None, into: dict[str, Annotation],
              bad_rows: list[tuple[str, str]]) -> None:
    """Add the rows of `path` to `into` (file name -> Annotation), grouping rows by file name; a
    bad row marks its image failed, or lands in `bad_rows` as (file:line, reason) when it names none."""
    for line, cells in _rows(path, layout):
        where = f"{path.name}:{line}"
        if isinstance(cells, str):
            bad_rows.append((where, f"{where}: {cells}; fix the row"))
            continue
        try:
            name = _get(cells, layout.path, where)
        except RowError as exc:
            bad_rows.append((where, str(exc)))
            continue
        if layout.basename:
            name = PurePath(name.replace("\\", "/")).name
        if not name:
            bad_rows.append((where, f"{where}: no file name; fix the row"))
            continue
        ann = into.get(name)
        if ann is None:
            ann = into[name] = Annotation(name, name, split=split)
        elif ann.split != split:
            ann.split = None  # in both files: counted by the caller
        try:
            box = _box(cells, layout, where)
            if layout.width is not None and layout.height is not None:
                try:
                    size = stated_size(_get(cells, layout.width, where), _get(cells, layout.height, where))
                except RowError:
                    raise
                except ValueError as exc:
                    raise RowError(f"{where}: {exc}; fix the row") from None
                ann.size = ann.size or size
            cls = _get(cells, layout.cls, where) if layout.cls is not None else ""
        except RowError as exc:
            ann.fail(str(exc))
            continue
        ann.boxes.append(box)
        ann.classes.append(cls)


def csv_dataset(root: str, train: str, test: str, layout: str, columns: dict[str, Any], header: bool | None,
                box_format: str, units: str, policy: str, val: float, test_share: float, seed: int,
                cache: bool, check_files: bool, strict: bool = False) -> AnnotatedDataset:
    """The images under `root` boxed by the rows of the `train` (and optional `test`) CSV files."""
    image_dir = existing_dir(root, "image", "root")
    spec = make_layout(layout, columns, header, box_format, units)
    if spec.units not in ("pixels", "normalized"):
        raise DataError(f"csv units {spec.units!r} are unknown; use pixels or normalized")
    anns: dict[str, Annotation] = {}
    bad_rows: list[tuple[str, str]] = []
    files = [("train", existing_file(train, "train CSV", "train"))]
    if test:
        files.append(("test", existing_file(test, "test CSV", "test")))
    for split, path in files:
        parse_csv(path, spec, split if test else None, anns, bad_rows)
    collector = Collector(image_dir, f"csv dataset {files[0][1]}", policy=policy,
                          normalized=spec.units == "normalized", check_files=check_files, strict=strict)
    for key, reason in bad_rows:
        collector.skip(key, reason, "bad annotation")
    both = [a.key for a in anns.values() if test and a.split is None]
    for ann in anns.values():
        if test and ann.split is None:
            collector.skip(ann.key, "listed in both the train and the test CSV", "in both train and test")
            continue
        collector.add(ann)
    use_classes = spec.cls is not None
    notes = [f"{len(both)} images are in both CSV files: skipped"] if both else []
    return collector.dataset(use_classes=use_classes, val=val, test_share=test_share, seed=seed, cache=cache,
                             notes=notes)

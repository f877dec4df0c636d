"""YOLO reader: ``images/<name>.<ext>`` with ``labels/<name>.txt`` holding ``class cx cy w h`` lines
(normalized). Class names: one per line of the classes file (default ``classes.txt`` under root);
without it, the class ids as names. When ``images/`` has ``train``/``val``/``test`` subfolders
(the Ultralytics layout, labels mirrored under ``labels/``), they are the splits.
"""
from __future__ import annotations

from pathlib import Path

from zoo.datasets._base import AnnotatedDataset, Annotation, Collector, existing_dir, to_xyxy
from zoo.errors import DataError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def parse_labels(txt: Path, ann: Annotation) -> None:
    """Add the boxes of one YOLO label file to `ann`; DataError names file and line when malformed."""
    try:
        lines = txt.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{txt}: cannot read as UTF-8 text ({exc}); check the file") from None
    for number, line in enumerate(lines, 1):
        words = line.split()
        if not words:
            continue
        try:
            if len(words) != 5:
                raise ValueError(f"{len(words)} fields")
            cls = int(words[0])
            ann.boxes.append(to_xyxy([float(w) for w in words[1:]], "cxcywh"))
        except ValueError as exc:
            raise DataError(f"{txt}:{number}: expected 'class cx cy w h' ({exc}); fix the line") from None
        ann.classes.append(str(cls))


def yolo(root: str, images: str, labels: str, classes: str, policy: str, val: float, test: float, seed: int,
         cache: bool, check_files: bool) -> AnnotatedDataset:
    """A YOLO-format folder (see the module docstring)."""
    base = existing_dir(root, "dataset root", "root")
    image_dir = existing_dir(base / images, "images", "images")
    label_dir = existing_dir(base / labels, "labels", "labels")
    parts = [p for p in ("train", "val", "test") if (image_dir / p).is_dir()]
    collector = Collector(image_dir, f"yolo dataset {base}", policy=policy, normalized=True, check_files=check_files)
    for part in parts or [""]:
        folder = image_dir / part if part else image_dir
        for image in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            rel = image.relative_to(image_dir)
            ann = Annotation(str(rel), str(rel), split=part or None)
            txt = (label_dir / rel).with_suffix(".txt")
            if not txt.is_file():
                collector.skip(ann.key, f"no label file {txt}")
                continue
            parse_labels(txt, ann)
            collector.add(ann)
    names_file = base / classes if classes else None
    notes = []
    if names_file is not None and names_file.is_file():
        names = [n.strip() for n in names_file.read_text(encoding="utf-8").splitlines() if n.strip()]
        unknown = sum(int(c) >= len(names) for c in collector.classes)
        if unknown:
            raise DataError(f"{names_file}: {unknown} boxes use a class id beyond its {len(names)} names; "
                            "add the missing names")
        collector.classes = [names[int(c)] for c in collector.classes]
    else:
        names = [str(i) for i in range(max((int(c) for c in collector.classes), default=-1) + 1)]
        if names_file is not None:
            notes.append(f"no classes file {names_file}: classes named by their ids")
    return collector.dataset(class_names=names, val=val, test=test, seed=seed, cache=cache, notes=notes)

"""YOLO reader: ``images/<name>.<ext>`` with ``labels/<name>.txt`` holding ``class cx cy w h`` lines
(normalized). Class names: one per line of the classes file (default ``classes.txt`` under root);
without it, the class ids as names. When ``images/`` has ``train``/``val``/``test`` subfolders
(the Ultralytics layout, labels mirrored under ``labels/``), they are the splits.

Counted skips (DataErrors with ``strict``): an image without a label file, a label file without
an image, a malformed line (not five fields, not numbers, a negative class id) and a class id
beyond the classes file's names skip the image.
"""
from __future__ import annotations

from pathlib import Path

from zoo.datasets._base import AnnotatedDataset, Annotation, Collector, existing_dir, to_xyxy
from zoo.errors import DataError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def parse_labels(txt: Path, ann: Annotation, names: list[str] | None = None) -> None:
    """Add the boxes of one YOLO label file to `ann`, or mark it failed naming file and line."""
    try:
        lines = txt.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return ann.fail(f"{txt.name}: cannot read as UTF-8 text ({type(exc).__name__})")
    for number, line in enumerate(lines, 1):
        words = line.split()
        if not words:
            continue
        try:
            if len(words) != 5:
                raise ValueError(f"{len(words)} fields")
            cls = int(words[0])
            if cls < 0:
                raise ValueError(f"class id {cls} is negative")
            box = to_xyxy([float(w) for w in words[1:]], "cxcywh")
        except ValueError as exc:
            return ann.fail(f"{txt.name}:{number}: expected 'class cx cy w h' ({str(exc)[:60]}); fix the line")
        if names is not None and cls >= len(names):
            return ann.fail(f"{txt.name}:{number}: class id {cls} is beyond the {len(names)} names of the classes "
                            "file; add the missing names", "unknown class")
        ann.boxes.append(box)
        ann.classes.append(names[cls] if names is not None else str(cls))


def yolo(root: str, images: str, labels: str, classes: str, policy: str, val: float, test_share: float, seed: int,
         cache: bool, check_files: bool, strict: bool = False) -> AnnotatedDataset:
    """A YOLO-format folder (see the module docstring)."""
    base = existing_dir(root, "dataset root", "root")
    image_dir = existing_dir(base / images, "images", "images")
    label_dir = existing_dir(base / labels, "labels", "labels")
    names_file = base / classes if classes else None
    names: list[str] | None = None
    notes = []
    if names_file is not None and names_file.is_file():
        try:
            names = [n.strip() for n in names_file.read_text(encoding="utf-8").splitlines() if n.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{names_file}: cannot read as UTF-8 text ({exc}); check the file") from None
    elif names_file is not None:
        notes.append(f"no classes file {names_file}: classes named by their ids")
    parts = [p for p in ("train", "val", "test") if (image_dir / p).is_dir()]
    collector = Collector(image_dir, f"yolo dataset {base}", policy=policy, normalized=True, check_files=check_files,
                          strict=strict)
    used: set[Path] = set()
    for part in parts or [""]:
        folder = image_dir / part if part else image_dir
        for image in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            rel = image.relative_to(image_dir)
            ann = Annotation(str(rel), str(rel), split=part or None)
            txt = (label_dir / rel).with_suffix(".txt")
            if not txt.is_file():
                collector.skip(ann.key, f"no label file {txt}", "no label file")
                continue
            used.add(txt.resolve())
            parse_labels(txt, ann, names)
            collector.add(ann)
    skipped_parts = {"train", "val", "test"} - set(parts) if parts else set()
    for txt in sorted(label_dir.rglob("*.txt")):
        rel = txt.relative_to(label_dir)
        if txt.resolve() in used or (names_file is not None and txt.resolve() == names_file.resolve()) \
                or (parts and rel.parts[0] not in parts) or rel.parts[0] in skipped_parts:
            continue
        collector.skip(str(rel), f"label file {txt} has no image under {image_dir}", "label without image")
    if names is None:
        ids = [int(c) for c in collector.classes]
        names = [str(i) for i in range(max(ids, default=-1) + 1)]
    return collector.dataset(class_names=names, val=val, test_share=test_share, seed=seed, cache=cache, notes=notes)

"""PASCAL VOC reader: one XML per image (``<filename>``, ``<size>``, ``<object><name><bndbox>``).

Class names come from ``<object><name>`` (sorted). Split: the optional list files (one image id
per line, as VOC's ImageSets/Main/*.txt) when given, else seeded shares stratified by class.
Each XML is one item: a malformed XML, a non-numeric coordinate or an impossible stated size
makes that image a counted skip naming the file and line (a DataError with ``strict``).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from zoo.datasets._base import (
    AnnotatedDataset,
    Annotation,
    Collector,
    existing_dir,
    existing_file,
    stated_size,
    user_path,
)
from zoo.errors import DataError


def _number(node: ET.Element, tag: str) -> float | None:
    """The number in ``<tag>``, None when absent; ValueError naming the tag and value otherwise."""
    text = node.findtext(tag)
    if text is None or not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"<{tag}> is {text[:40]!r}, not a number") from None


def parse_voc(xml: Path, key: str | None = None) -> Annotation:
    """The `Annotation` of one VOC XML file (pixel boxes, class names, stated size); a broken
    file gives an Annotation marked failed (`Annotation.problem`) naming the file and line."""
    ann = Annotation(key or xml.stem, xml.with_suffix(".jpg").name)
    try:
        root = ET.parse(xml).getroot()
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        ann.fail(f"{xml.name}:{line}: malformed XML ({str(exc).splitlines()[0]})")
        return ann
    except (OSError, RecursionError) as exc:
        ann.fail(f"{xml.name}: cannot read ({getattr(exc, 'strerror', None) or type(exc).__name__})")
        return ann
    ann.name = (root.findtext("filename") or "").strip() or ann.name
    size_node = root.find("size")
    try:
        if size_node is not None:
            ann.size = stated_size(_number(size_node, "width"), _number(size_node, "height"))
        for obj in root.iter("object"):
            bnd = obj.find("bndbox")
            if bnd is None:
                continue
            values = [_number(bnd, t) for t in ("xmin", "ymin", "xmax", "ymax")]
            ann.boxes.append(tuple(float("nan") if v is None else v for v in values))  # type: ignore[arg-type]
            ann.classes.append((obj.findtext("name") or "").strip())
    except ValueError as exc:
        ann.fail(f"{xml.name}: {exc}; fix the annotation")
    return ann


def read_list(path: str, param: str) -> set[str]:
    """Image ids of a split list file (first word of each line; blank lines ignored)."""
    if not path:
        return set()
    text = existing_file(path, "split list", param).read_text(errors="replace")
    return {line.split()[0] for line in text.splitlines() if line.strip()}


def voc(root: str, annotations: str, images: str, train_list: str, val_list: str, test_list: str, policy: str,
        val: float, test_share: float, seed: int, cache: bool, check_files: bool, strict: bool = False) -> AnnotatedDataset:
    """A folder of VOC XMLs (``root/annotations``) and images (``root/images``)."""
    base = existing_dir(root, "dataset root", "root")
    xml_dir = existing_dir(base / annotations, "annotations", "annotations")
    image_dir = existing_dir(base / images, "images", "images")
    lists = {name: read_list(str(user_path(base / p)) if p else "", f"{name}_list")
             for name, p in (("train", train_list), ("val", val_list), ("test", test_list))}
    collector = Collector(image_dir, f"voc dataset {base}", policy=policy, check_files=check_files, strict=strict)
    xmls = sorted(xml_dir.glob("*.xml"), key=_natural)
    if not xmls:
        raise DataError(f"{xml_dir}: no .xml annotation found; set 'annotations' to the folder holding them")
    unlisted = 0
    for xml in xmls:
        ann = parse_voc(xml)
        if any(lists.values()):
            ann.split = next((s for s, ids in lists.items() if xml.stem in ids), None)
            unlisted += ann.split is None
        collector.add(ann)
    notes = [f"{unlisted} annotated images are in no split list: left out of every split"] if unlisted else []
    return collector.dataset(val=val, test_share=test_share, seed=seed, cache=cache, notes=notes)


def _natural(path: Path) -> list[object]:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name)]

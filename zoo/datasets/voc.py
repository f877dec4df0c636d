"""PASCAL VOC reader: one XML per image (``<filename>``, ``<size>``, ``<object><name><bndbox>``).

Class names come from ``<object><name>`` (sorted). Split: the optional list files (one image id
per line, as VOC's ImageSets/Main/*.txt) when given, else seeded shares stratified by class.
Malformed XML raises a one-line DataError naming the file and line.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from zoo.datasets._base import AnnotatedDataset, Annotation, Collector, existing_dir, existing_file, user_path
from zoo.errors import DataError


def _number(node: ET.Element, tag: str, xml: Path) -> float:
    text = node.findtext(tag)
    try:
        return float(text) if text is not None else float("nan")
    except ValueError:
        raise DataError(f"{xml}: <{tag}> is {text!r}, not a number; fix the annotation") from None


def parse_voc(xml: Path, key: str | None = None) -> Annotation:
    """The `Annotation` of one VOC XML file (pixel boxes, class names, stated size)."""
    try:
        root = ET.parse(xml).getroot()
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        raise DataError(f"{xml}:{line}: malformed XML ({str(exc).splitlines()[0]}); fix or remove the file") from None
    except OSError as exc:
        raise DataError(f"{xml}: cannot read ({exc.strerror or exc}); check the file") from None
    name = (root.findtext("filename") or "").strip() or xml.with_suffix(".jpg").name
    size_node = root.find("size")
    size = None
    if size_node is not None:
        w, h = _number(size_node, "width", xml), _number(size_node, "height", xml)
        size = (int(w), int(h)) if not (math.isnan(w) or math.isnan(h)) else None
    ann = Annotation(key or xml.stem, name, size=size)
    for obj in root.iter("object"):
        bnd = obj.find("bndbox")
        if bnd is None:
            continue
        ann.boxes.append(tuple(_number(bnd, t, xml) for t in ("xmin", "ymin", "xmax", "ymax")))  # type: ignore[arg-type]
        ann.classes.append((obj.findtext("name") or "").strip())
    return ann


def read_list(path: str, param: str) -> set[str]:
    """Image ids of a split list file (first word of each line; blank lines ignored)."""
    if not path:
        return set()
    text = existing_file(path, "split list", param).read_text(errors="replace")
    return {line.split()[0] for line in text.splitlines() if line.strip()}


def voc(root: str, annotations: str, images: str, train_list: str, val_list: str, test_list: str, policy: str,
        val: float, test: float, seed: int, cache: bool, check_files: bool) -> AnnotatedDataset:
    """A folder of VOC XMLs (``root/annotations``) and images (``root/images``)."""
    base = existing_dir(root, "dataset root", "root")
    xml_dir = existing_dir(base / annotations, "annotations", "annotations")
    image_dir = existing_dir(base / images, "images", "images")
    lists = {name: read_list(str(user_path(base / p)) if p else "", f"{name}_list")
             for name, p in (("train", train_list), ("val", val_list), ("test", test_list))}
    collector = Collector(image_dir, f"voc dataset {base}", policy=policy, check_files=check_files)
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
    return collector.dataset(val=val, test=test, seed=seed, cache=cache, notes=notes)


def _natural(path: Path) -> list[object]:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name)]

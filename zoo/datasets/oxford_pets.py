"""Oxford-IIIT Pet reader, official layout::

    root/images/<Breed>_<n>.jpg
    root/annotations/list.txt        "Image CLASS-ID SPECIES BREED-ID" (# header lines)
    root/annotations/trainval.txt    same columns; the images with head boxes
    root/annotations/test.txt        official test split: no XML, so no box
    root/annotations/xmls/<id>.xml   PASCAL VOC head boxes

Boxes are pet *heads*. Labels (``labels`` param): ``breed`` (37 classes, ordered by CLASS-ID, i.e.
alphabetically ignoring case), ``species`` (cat, dog) or ``binary_first`` (lars76's class 0 =
Abyssinian, CLASS-ID 1, vs every other breed). Only images with an XML are usable; the others
are skipped and counted. Because the official test images have no boxes, train / val / test are
all carved from the annotated (trainval) images: seeded and stratified by the chosen label.
"""
from __future__ import annotations

from pathlib import Path

from zoo.datasets._base import AnnotatedDataset, Collector, existing_dir
from zoo.datasets.voc import parse_voc
from zoo.errors import DataError

LABELS = ("breed", "species", "binary_first")


def _read_ids(path: Path, bad: dict[str, str]) -> dict[str, tuple[int, int]]:
    """image id -> (CLASS-ID, SPECIES) of a list file ({} when absent); a malformed line goes to
    `bad` (image id -> reason naming file and line), so that image is skipped, counted."""
    if not path.is_file():
        return {}
    out = {}
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        words = line.split()
        if not words or line.startswith("#"):
            continue
        try:
            class_id, species = int(words[1]), int(words[2])
            if class_id < 1 or species not in (1, 2):
                raise ValueError
            out[words[0]] = (class_id, species)
        except (IndexError, ValueError):
            bad[words[0]] = (f"{path.name}:{number}: expected 'Image CLASS-ID SPECIES BREED-ID' "
                             "(CLASS-ID >= 1, SPECIES 1 or 2); fix the line")
    return out


def breed_of(image_id: str) -> str:
    return image_id[: image_id.rfind("_")] if "_" in image_id else image_id


def oxford_pets(root: str, labels: str, policy: str, val: float, test_share: float, seed: int, cache: bool,
                check_files: bool, strict: bool = False) -> AnnotatedDataset:
    """The annotated Oxford-IIIT Pet images with their head boxes (see the module docstring)."""
    if labels not in LABELS:
        raise DataError(f"oxford_pets labels {labels!r} is unknown; use one of {', '.join(LABELS)}")
    base = existing_dir(root, "Oxford-IIIT Pet root", "root")
    image_dir = existing_dir(base / "images", "images", "root")
    xml_dir = existing_dir(base / "annotations" / "xmls", "annotations/xmls", "root")
    ann_dir = base / "annotations"
    bad: dict[str, str] = {}
    listed = _read_ids(ann_dir / "list.txt", bad) or {**_read_ids(ann_dir / "trainval.txt", bad),
                                                      **_read_ids(ann_dir / "test.txt", bad)}
    xml_ids = {p.stem for p in xml_dir.glob("*.xml")}
    ids = sorted(set(listed) | xml_ids | set(bad), key=str.lower)
    breeds = sorted({breed_of(i) for i in ids}, key=str.lower)
    species = {i: (listed[i][1] if i in listed else (1 if i[:1].isupper() else 2)) for i in ids}
    collector = Collector(image_dir, f"oxford_pets dataset {base}", policy=policy, check_files=check_files,
                          strict=strict)
    no_xml = 0
    for image_id in ids:
        if image_id in bad:
            collector.skip(image_id, bad[image_id], "bad annotation")
            continue
        if image_id not in xml_ids:
            no_xml += 1
            collector.skip(image_id, "no XML head box (official test images have none)", "no box", expected=True)
            continue
        ann = parse_voc(xml_dir / f"{image_id}.xml", image_id)
        ann.name = f"{image_id}.jpg"
        cls = {"breed": breed_of(image_id), "species": ("cat", "dog")[species[image_id] - 1],
               "binary_first": "abyssinian" if breed_of(image_id) == breeds[0] else "other"}[labels]
        ann.classes = [cls] * len(ann.boxes)
        collector.add(ann)
    names = {"breed": breeds, "species": ["cat", "dog"], "binary_first": ["abyssinian", "other"]}[labels]
    notes = [f"{no_xml} images have no XML head box (the official test split has none): skipped",
             ("train / val / test are all carved from the annotated trainval images (seeded, stratified), "
              "because the official test images have no boxes")]
    return collector.dataset(class_names=names, val=val, test_share=test_share, seed=seed, cache=cache, notes=notes)

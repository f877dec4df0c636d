"""Dataset: framework-neutral images with one box (and optionally a class) each.

A dataset factory ``factory(**params) -> Dataset`` returns the whole collection; its
``splits()`` says which indices form train, val and test. Readers use the dataset's own split
where it has one, otherwise a seeded split, stratified by class when there are classes.

Conventions (DEVELOPERS.md):
    image  RGB uint8, (H, W, 3)
    box    float32 (4,), normalized ``[x1, y1, x2, y2]`` in [0, 1] of the image
    label  int class index into ``class_names``, or -1 when the dataset has no classes

Metadata (may depend on parameters): ``classes`` (bool, whether items carry class labels) and,
optionally, ``num_classes`` (int): the class count when the parameters alone fix it (oxford_pets
``labels: binary_first`` has 2). With it, a class head's model is built without reading the data
(``zoo build``); without it the core reads the dataset, or takes the recipe's ``head.classes``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from zoo.interfaces.component import ComponentInfo, Meta, Param

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Sample:
    """One item: ``image`` RGB uint8 HWC, ``box`` normalized xyxy float32, ``label``, ``key``."""

    image: np.ndarray
    box: np.ndarray
    label: int = -1
    key: str = ""


#: kinds of skip (singular -> plural), so a run can say "skipped 8 of 22: 3 unreadable images, ..."
SKIP_KINDS: dict[str, str] = {
    "unreadable image": "unreadable images",
    "missing image": "missing images",
    "file outside the root": "files outside the root",
    "bad annotation": "bad annotations",
    "unknown class": "unknown classes",
    "no valid box": "images without a valid box",
    "several objects": "images with several objects",
    "in both train and test": "in both train and test",
    "duplicate image": "duplicate images",
    "no label file": "images without a label file",
    "label without image": "labels without an image",
    "no box": "images without a box",
    "other": "other",
}


@dataclass
class DataReport:
    """What a reader skipped or changed, so nothing is lost silently.

    skipped: (item key, one-line reason) for every item left out.
    notes: counted remarks, e.g. "16 images hold several objects: kept the largest".
    kinds: the kind of each skip (a key of `SKIP_KINDS`), parallel to `skipped`; skips appended
        to `skipped` directly count as "other". Use `skip(key, reason, kind)`.
    """

    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    def skip(self, key: str, reason: str, kind: str = "other") -> None:
        """Record that item `key` is left out, why (one line) and the kind of problem."""
        self.kinds.extend(["other"] * (len(self.skipped) - len(self.kinds)))
        self.skipped.append((key, reason))
        self.kinds.append(kind)

    def skip_counts(self) -> dict[str, int]:
        """Skips per kind, most frequent first."""
        kinds = self.kinds[: len(self.skipped)] + ["other"] * (len(self.skipped) - len(self.kinds))
        counts: dict[str, int] = {}
        for kind in kinds:
            counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self, kept: int) -> str:
        """One line, e.g. ``skipped 8 of 22: 3 unreadable images, 5 bad annotations`` ("" when none)."""
        if not self.skipped:
            return ""
        parts = [f"{n} {kind if n == 1 else SKIP_KINDS.get(kind, kind)}" for kind, n in self.skip_counts().items()]
        return f"skipped {len(self.skipped)} of {kept + len(self.skipped)}: " + ", ".join(parts)

    def lines(self) -> list[str]:
        out = list(self.notes)
        if self.skipped:
            out.append(f"skipped {len(self.skipped)} item(s):")
            out += [f"  {key}: {reason}" for key, reason in self.skipped]
        return out


class Dataset(ABC):
    """Random access to samples, plus the targets of all items without decoding images."""

    #: class names; empty when the dataset has no classes
    class_names: tuple[str, ...] = ()

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def load(self, index: int, size: tuple[int, int] | None = None) -> Sample:
        """Sample `index`, its image resized to ``size`` = (H, W) when given (boxes are
        normalized, so they do not change). Readers may decode faster at small sizes."""

    @abstractmethod
    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        """``(boxes (N, 4) float32, labels (N,) int64)`` of every item, without images."""

    @abstractmethod
    def splits(self) -> Mapping[str, np.ndarray]:
        """Split name ("train", "val", "test") -> int64 indices; train and test are required."""

    def report(self) -> DataReport:
        """Skipped items and notes gathered while reading."""
        return DataReport()

    def __getitem__(self, index: int) -> Sample:
        return self.load(index)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def declare_dataset(name: str, *, description: str, params: Mapping[str, Param] | None = None,
                    classes: bool | Meta = False) -> ComponentInfo:
    """A dataset declaration; ``classes`` is a bool or a function of the resolved parameters
    returning the metadata (``{"classes": bool, "num_classes": int}``, the count optional)."""
    meta: Meta = classes if callable(classes) else {"classes": bool(classes)}
    return ComponentInfo("dataset", name, dict(params or {}), description, meta)

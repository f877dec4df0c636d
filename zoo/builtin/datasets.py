"""Built-in plugin: framework-neutral datasets (synthetic sets and file readers).

Factories are ``"module:function"`` strings, so registering imports nothing heavy. Paths are
``~``-expanded; relative ones resolve against the current directory (``annotations``/``images``
and list files of ``voc``/``yolo`` against ``root``). See docs/datasets.md.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoo.hookspecs import hookimpl
from zoo.interfaces.component import Param
from zoo.interfaces.dataset import declare_dataset

_SYNTH = {
    "n": Param(2048, int, help="items in all (train + val + test)", ge=1),
    "size": Param(128, int, help="side of the generated square images, pixels", ge=8, le=4096),
    "val": Param(0.1, float, help="share of items in the val split", ge=0.0, le=0.9),
    "test_share": Param(0.1, float, help="share of items in the test split", ge=0.0, le=0.9),
    "seed": Param(0, int, help="seeds every item and the split", ge=0),
}
_POLICY = Param("largest", str, ("largest", "first", "skip", "error"),
                help="images with several objects: keep the largest / first box, skip the image, or fail")
_READER = {
    "policy": _POLICY,
    "val": Param(0.0, float, help="share of train carved into val (0: the trainer carves its own)", ge=0.0, le=0.9),
    "seed": Param(0, int, help="seeds the splits the dataset does not define itself", ge=0),
    "cache": Param(False, bool, help="keep decoded, resized images in memory"),
    "check_files": Param(True, bool, help="decode every image cheaply up front: undecodable files are skipped, "
                                          "truncated ones counted and decoded tolerantly"),
    "strict": Param(False, bool, help="turn every skipped item (bad annotation, unreadable or truncated image, "
                                      "...) into an error"),
}
_TEST_SHARE = Param(0.2, float, help="share of items in the test split when the data defines none", ge=0.0, le=0.9)


def _reader(**params: Param) -> dict[str, Param]:
    return {**params, **_READER}


_PET_CLASSES = {"breed": 37, "species": 2, "binary_first": 2}


def _pets_classes(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"classes": True, "num_classes": _PET_CLASSES[params["labels"]]}


def _shapes_classes(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"classes": True, "num_classes": params["classes"]}


def _csv_classes(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"classes": params["layout"] in ("raccoon", "lars76") or "class" in params["columns"]}


@hookimpl
def register_datasets(register: Any) -> None:
    register(declare_dataset("blobs", description="Ganz's white discs on black (built in, no download)",
                             params=_SYNTH), "zoo.datasets.synthetic:blobs")
    register(declare_dataset("shapes", description="coloured shapes on textured noise; class = shape (built in)",
                             params={**_SYNTH, "classes": Param(4, int, help="shape classes, 2 to 6: disc, square, "
                                                                "triangle, cross, ring, diamond")},
                             classes=_shapes_classes), "zoo.datasets.synthetic:shapes")
    register(declare_dataset("cats", description="scikit-image's cat photo pasted on black or natural photos "
                                                 "(Ganz cases 2, 3; needs scikit-image)",
                             params={**_SYNTH, "background": Param("black", str, ("black", "natural"))}),
             "zoo.datasets.photos:cats")
    register(declare_dataset("voc", description="PASCAL VOC XML folder (annotations/ + images/)", classes=True,
                             params=_reader(
                                 root=Param(".", str, help="dataset folder"),
                                 annotations=Param("annotations", str, help="XML folder, relative to root"),
                                 images=Param("images", str, help="image folder, relative to root"),
                                 train_list=Param("", str, help="optional file of train image ids (relative to root)"),
                                 val_list=Param("", str, help="optional file of val image ids"),
                                 test_list=Param("", str, help="optional file of test image ids"),
                                 test_share=_TEST_SHARE)), "zoo.datasets.voc:voc")
    register(declare_dataset("csv", description="CSV of boxes (raccoon, lars76, selfie or custom layout)",
                             classes=_csv_classes,
                             params=_reader(
                                 root=Param(".", str, help="image folder the file names are relative to"),
                                 train=Param("train.csv", str, help="CSV of the train split (or of everything)"),
                                 test=Param("", str, help="optional CSV of the test split"),
                                 layout=Param("raccoon", str, ("raccoon", "lars76", "selfie", "custom")),
                                 columns=Param({}, dict, help="override columns: path, box (4 names or one), "
                                                              "class, width, height"),
                                 header=Param(None, bool, help="first row is a header (default: the layout's)"),
                                 box_format=Param("", str, ("", "xyxy", "xywh", "cxcywh"), help="default: layout's"),
                                 units=Param("", str, ("", "pixels", "normalized"), help="default: layout's"),
                                 test_share=_TEST_SHARE)), "zoo.datasets.csv_reader:csv_dataset")
    register(declare_dataset("coco", description="COCO instances JSON + image folder", classes=True,
                             params=_reader(
                                 root=Param(".", str, help="image folder"),
                                 train=Param("instances.json", str, help="instances JSON (train or everything)"),
                                 test=Param("", str, help="optional instances JSON of the test split"),
                                 test_share=_TEST_SHARE)), "zoo.datasets.coco:coco")
    register(declare_dataset("yolo", description="YOLO txt labels (class cx cy w h, normalized) + images",
                             classes=True,
                             params=_reader(
                                 root=Param(".", str, help="dataset folder"),
                                 images=Param("images", str), labels=Param("labels", str),
                                 classes=Param("classes.txt", str, help="class names file, relative to root"),
                                 test_share=_TEST_SHARE)), "zoo.datasets.yolo:yolo")
    register(declare_dataset("oxford_pets", description="Oxford-IIIT Pet head boxes (official layout)",
                             classes=_pets_classes,
                             params={**_reader(
                                 root=Param("oxford-iiit-pet", str, help="folder holding images/ and annotations/"),
                                 labels=Param("breed", str, ("breed", "species", "binary_first")),
                                 test_share=_TEST_SHARE), "val": Param(0.1, float, ge=0.0, le=0.9)}),
             "zoo.datasets.oxford_pets:oxford_pets")

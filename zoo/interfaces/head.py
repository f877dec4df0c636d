"""Head: maps the vector to the outputs: an encoded box and, for class heads, class logits.

Built object (framework module), called as ``head(vector, pooled)``:
    vector  (N, D) from the vectorizer.
    pooled  (N, C) global average of the backbone's feature map (used by class heads whose
            ``class_input`` is ``pooled``, as lars76 example 2 does); other heads ignore it.
    output  a dict: ``"box"`` (N, E) in the head's encoding after its activation
            (E = `zoo.boxes.size(encoding)`), and ``"logits"`` (N, K) for class heads.

Factory: ``factory(in_features=D, in_channels=C, num_classes=K, **params)``; K is 0 for
datasets without classes. Class heads also declare ``classes`` (K, 0 = from the dataset): the
core consumes it to find K when the dataset cannot tell without its files, and does not pass it
to the factory.

Every head takes ``encoding`` (a `BOX_ENCODINGS` name) and ``activation`` (sigmoid or
linear). Core code encodes targets into that encoding and decodes predictions from it.

Metadata: ``classes`` (bool, whether it predicts classes).
"""
from __future__ import annotations

from collections.abc import Mapping

from zoo.interfaces.component import ComponentInfo, Param

#: the box encodings a head may declare: name -> (values per box, description); `zoo.boxes`
#: implements them (encode, decode) for every framework
BOX_ENCODINGS: dict[str, tuple[int, str]] = {
    "xyxy": (4, "corners x1, y1, x2, y2"),
    "xywh": (4, "top-left corner x1, y1 and width, height"),
    "cxcywh": (4, "centre cx, cy and width, height"),
    "square": (3, "square box: top-left x1, y1 and side (the mean of width and height)"),
}
ENCODINGS: tuple[str, ...] = tuple(BOX_ENCODINGS)

ACTIVATIONS = ("sigmoid", "linear")
CLASSES = Param(0, int, help="class count K; 0 takes it from the dataset (set it to build without the data)")
ENCODING = Param("xyxy", str, ENCODINGS, "box encoding of the output")
ACTIVATION = Param("sigmoid", str, ACTIVATIONS, "output activation of the box")


def declare_head(name: str, *, description: str, classes: bool,
                 params: Mapping[str, Param] | None = None) -> ComponentInfo:
    """A head declaration; adds the standard ``encoding`` and ``activation`` parameters."""
    all_params = {"encoding": ENCODING, "activation": ACTIVATION, **({"classes": CLASSES} if classes else {}),
                  **(params or {})}
    return ComponentInfo("head", name, all_params, description, {"classes": classes})

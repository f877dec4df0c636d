"""Standard heads. Dropout (when set) comes before each dense layer; each hidden dense layer is
followed by ReLU."""
from __future__ import annotations

from zoo.interfaces.component import Param
from zoo.interfaces.head import declare_head

_HIDDEN = Param([], list, help="widths of hidden dense layers (ReLU), e.g. [512] for AV's head",
                items=int, ge=1)
_DENSE = Param(True, bool, help="false: no dense layer, the vector must already have the encoding's size (lars76's conv head)")
_DROPOUT = Param(0.0, float, help="dropout before each dense layer", ge=0.0, le=0.95)

HEADS = (
    declare_head("box", classes=False, description="one box: [hidden dense layers] -> Dense(E) -> activation",
                 params={"hidden": _HIDDEN, "dense": _DENSE, "dropout": _DROPOUT}),
    declare_head(
        "box_class", classes=True,
        description="a box and K class logits (K from the dataset)",
        params={"hidden": _HIDDEN, "dense": _DENSE, "dropout": _DROPOUT,
                "class_input": Param("vector", str, ("vector", "pooled"),
                                     "classify from the vectorizer's output or from the pooled backbone map (lars76 ex2)"),
                "class_hidden": Param([], list, help="hidden dense layers of the class branch",
                                      items=int, ge=1)},
    ),
)

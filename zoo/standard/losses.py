"""Standard losses, each the mean over the batch (and over box values / classes)."""
from __future__ import annotations

from zoo.interfaces.component import Param
from zoo.interfaces.loss import declare_loss

LOSSES = (
    declare_loss("mse", target="box", description="mean squared error on the encoded box"),
    declare_loss("smooth_l1", target="box", params={"beta": Param(1.0, float, gt=0.0)},
                 description="smooth L1 (Huber with delta = beta, divided by beta) on the encoded box"),
    declare_loss("bce", target="box", head_requires={"activation": ["sigmoid"]},
                 description="binary cross-entropy with soft targets in [0, 1] (Ganz)"),
    declare_loss("log_l2", target="box", description="lars76: mean of log((y_hat - y)^2 + 1)"),
    declare_loss("giou", target="box", space="decoded", description="1 - generalized IoU of the decoded boxes"),
    declare_loss(
        "focal", target="class",
        params={"alpha": Param(0.9, float, ge=0.0, le=1.0), "gamma": Param(2.0, float, ge=0.0),
                "mode": Param("softmax", str, ("softmax", "binary"),
                              "softmax: lars76's per-class focal on softmax probabilities; binary: on sigmoid(logits)")},
        description="focal loss on the class logits (lars76: alpha 0.9, gamma 2)",
    ),
    declare_loss("cross_entropy", target="class", description="softmax cross-entropy on the class logits"),
)

"""A reference framework in plain numpy, framework ``npfw``: the smallest complete
`zoo.interfaces.Framework` adapter and one component per hook. Its backbone average-pools 4 x 4
cells, the vectorizer pools globally, the head is one linear layer fitted by gradient descent on
the MSE of the encoded box.

Uses: the model for a new framework adapter (build, summary, fit, predict, save, load), and a
framework for checking framework-neutral components (datasets) or the kit itself without
torch or Keras::

    from zoo.testing import isolated, check_component
    from zoo.testing.numpy_framework import NumpyPlugin

    with isolated(NumpyPlugin(), my_plugin):
        check_component("dataset", "my_reader", "npfw", {"root": "tests/data"})
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from zoo import boxes, hookimpl, preprocess
from zoo.interfaces import Framework, Outputs, Param, Stage, Summary, declare_backbone, declare_loss

FW = "npfw"

POOL = declare_backbone("np_pool", description="average pooling of 4 x 4 cells (numpy)",
                        params={"channels": Param(3, int, help="declared channels (3 is the truth)")},
                        meta=lambda p: {"out_channels": p["channels"], "preprocessing": "unit", "stride": 4})
L1 = declare_loss("np_l1", target="box", description="mean absolute error (numpy)")


def pool_backbone(*, input_size: tuple[int, int], weights: str = "none", channels: int = 3) -> Any:
    def run(x: np.ndarray) -> np.ndarray:
        n, h, w, c = x.shape
        return x[:, : h // 4 * 4, : w // 4 * 4].reshape(n, h // 4, 4, w // 4, 4, c).mean((2, 4))
    return run


def gap(*, in_channels: int, in_size: tuple[int, int]) -> Any:
    return lambda x: x.mean((1, 2))


class Head:
    def __init__(self, in_features: int, size: int, activation: str, num_classes: int) -> None:
        rng = np.random.default_rng(0)
        self.w = rng.normal(0, 0.1, (in_features, size)).astype(np.float32)
        self.b = np.zeros(size, np.float32)
        self.activation, self.num_classes = activation, num_classes

    def __call__(self, vector: np.ndarray, pooled: np.ndarray) -> dict[str, np.ndarray]:
        z = vector @ self.w + self.b
        box = 1 / (1 + np.exp(-z)) if self.activation == "sigmoid" else z
        out = {"box": box.astype(np.float32)}
        if self.num_classes:
            out["logits"] = np.zeros((len(vector), self.num_classes), np.float32)
        return out


def head(*, in_features: int, in_channels: int, num_classes: int, encoding: str, activation: str, **_: Any) -> Head:
    return Head(in_features, boxes.size(encoding), activation, num_classes)


def mse() -> Any:
    return lambda pred, target: float(np.mean((np.asarray(pred) - np.asarray(target)) ** 2))


def l1(scale: float = 1.0) -> Any:
    return lambda pred, target: scale * float(np.mean(np.abs(np.asarray(pred) - np.asarray(target))))


class Model:
    def __init__(self, plan: Any) -> None:
        self.plan = plan
        self.backbone = plan.build("backbone", input_size=plan.input_size)
        h, w = (s // 4 for s in plan.input_size)
        self.vectorizer = plan.build("vectorizer", in_channels=3, in_size=(h, w))
        self.head = plan.build("head", in_features=3, in_channels=3, num_classes=plan.num_classes)
        self.objective = plan.objective()

    def features(self, images: np.ndarray) -> np.ndarray:
        x = preprocess.apply(images.astype(np.float32), self.plan.preprocessing)
        return self.vectorizer(self.backbone(x))

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        v = self.features(images)
        return self.head(v, v)


class NumpyFramework(Framework):
    name = FW
    requirement = "numpy"
    weights_file = "weights.npz"
    lr_scale = 1.0  # tests set 0.0 to get a fit that changes nothing

    def build(self, plan: Any) -> Model:
        return Model(plan)

    def summary(self, model: Model, plan: Any) -> Summary:
        h, w = plan.input_size
        stages = [Stage("input", "rgb", (1, h, w, 3), 0), Stage("backbone", plan.backbone.name, (1, h // 4, w // 4, 3), 0),
                  Stage("vectorizer", plan.vectorizer.name, (1, 3), 0),
                  Stage("head.box", plan.head.name, (1, plan.box_size), model.head.w.size + model.head.b.size)]
        return Summary(stages, model.head.w.size + model.head.b.size, model.head.w.size, {"layout": "NHWC"})

    def _loss(self, model: Model, images: np.ndarray, target_xyxy: np.ndarray) -> float:
        total, _ = model.objective(model(images), target_xyxy, None)
        return float(total)

    def fit(self, model: Model, plan: Any, train: Any, val: Any, monitor: Any, run_dir: Path, resume: bool) -> Model:
        lr = plan.recipe.train.lr * 50 * self.lr_scale
        for epoch in range(plan.recipe.train.epochs):
            losses = []
            for batch in train.batches(epoch):
                losses.append(self._loss(model, batch.images, batch.boxes))
                v = model.features(batch.images)
                out = model.head(v, v)["box"]
                grad = 2 * (out - boxes.encode(batch.boxes, plan.encoding)) / out.size
                if model.head.activation == "sigmoid":
                    grad = grad * out * (1 - out)
                model.head.w -= lr * (v.T @ grad)
                model.head.b -= lr * grad.sum(0)
            val_batch = next(iter(val.batches(0)))
            logs = {"loss": float(np.mean(losses)), "val_loss": self._loss(model, val_batch.images, val_batch.boxes)}
            if monitor.end_epoch(epoch, logs, self.predict(model, val.images())):
                break
        return model

    def predict(self, model: Model, batches: Iterable[np.ndarray]) -> Outputs:
        outs = [model(np.asarray(b)) for b in batches]
        logits = np.concatenate([o["logits"] for o in outs]) if "logits" in outs[0] else None
        return Outputs(np.concatenate([o["box"] for o in outs]), logits)

    def save(self, model: Model, run_dir: Path) -> Path:
        path = Path(run_dir) / self.weights_file
        np.savez(path, w=model.head.w, b=model.head.b)
        return path

    def load(self, plan: Any, run_dir: Path) -> Model:
        model = Model(plan)
        data = np.load(Path(run_dir) / self.weights_file)
        model.head.w, model.head.b = data["w"], data["b"]
        return model

    def loss_value(self, loss: Any, pred: np.ndarray, target: np.ndarray) -> float:
        return float(loss(pred, target))


class NumpyPlugin:
    """The numpy framework's plugin: one hook per kind."""

    __name__ = "npfw_plugin"

    @hookimpl
    def register_frameworks(self, register: Any) -> None:
        register(FW, NumpyFramework, requirement="numpy")

    @hookimpl
    def register_backbones(self, register: Any) -> None:
        register(POOL, pool_backbone, framework=FW)

    @hookimpl
    def register_vectorizers(self, register: Any) -> None:
        register("gap", gap, framework=FW)

    @hookimpl
    def register_heads(self, register: Any) -> None:
        register("box", head, framework=FW)

    @hookimpl
    def register_losses(self, register: Any) -> None:
        register("mse", mse, framework=FW)
        register(L1, l1, framework=FW)

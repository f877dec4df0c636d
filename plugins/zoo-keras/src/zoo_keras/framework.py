"""`KerasFramework`: the ``keras`` adapter of `zoo.interfaces.Framework` (Keras 3, TensorFlow
backend). Models are `zoo_keras.model.Localizer`s; the run's weights file is
``model.weights.h5``, loaded into a model rebuilt from the plan."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from zoo.plugin import Framework, Monitor, Outputs, Pipeline, Plan, Stage, Summary, World, ZooError

from zoo_keras._keras import keras


def _count(weights: Iterable[Any]) -> int:
    return int(sum(int(np.prod(w.shape)) for w in weights))


class KerasFramework(Framework):
    weights_file = "model.weights.h5"
    backbone_weights_file = "backbone.weights.h5"
    layer_type = "keras.layers:Layer"

    def device(self) -> str:
        import tensorflow as tf

        return "gpu:0" if tf.config.list_physical_devices("GPU") else "cpu"

    def flops(self, model: Any, plan: Plan) -> int | None:
        """Counted by TensorFlow's profiler on the traced forward pass of one image."""
        import tensorflow as tf
        from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

        h, w = plan.input_size
        fn = tf.function(lambda x: model(x, training=False)).get_concrete_function(tf.TensorSpec((1, h, w, 3)))
        graph = convert_variables_to_constants_v2(fn).graph
        opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
        opts["output"] = "none"
        info = tf.compat.v1.profiler.profile(graph=graph, run_meta=tf.compat.v1.RunMetadata(), cmd="op", options=opts)
        return int(info.total_float_ops) if info is not None else None

    def join(self, world: World) -> None:
        """MultiWorkerMirroredStrategy over the ``TF_CONFIG`` workers (`zoo_keras.distributed`)."""
        from zoo_keras import distributed

        distributed.join(world)

    def launch(self, nproc: int, argv: list[str]) -> int:
        """`nproc` local workers, each with a generated ``TF_CONFIG`` on free loopback ports."""
        from zoo_keras import distributed

        return distributed.launch(nproc, argv)

    def build(self, plan: Plan) -> Any:
        from zoo_keras.model import build_localizer
        from zoo_keras.train import scope

        with scope():
            return build_localizer(plan)

    def count_params(self, model: Any, plan: Plan) -> int:
        return _count(model.weights)

    def summary(self, model: Any, plan: Plan) -> Summary:
        h, w = plan.input_size
        backbone, vectorizer, head = (model.get_layer(n) for n in ("backbone", "vectorizer", "head"))
        stages = [Stage("input", "RGB [0, 255]", (1, h, w, 3), 0),
                  Stage("preprocess", plan.preprocessing, (1, h, w, 3), 0),
                  Stage("backbone", plan.backbone.name, (1, *backbone.output.shape[1:]), _count(backbone.weights)),
                  Stage("vectorizer", plan.vectorizer.name, (1, *vectorizer.output.shape[1:]),
                        _count(vectorizer.weights))]
        box_weights = [wt for layer in head.box_stack for wt in layer.weights]
        stages.append(Stage("head.box", plan.head.name, (1, plan.box_size), _count(box_weights)))
        if head.class_stack:
            class_weights = [wt for layer in head.class_stack for wt in layer.weights]
            stages.append(Stage("head.logits", plan.head.name, (1, plan.num_classes), _count(class_weights)))
        return Summary(stages, _count(model.weights), _count(model.trainable_weights),
                       {"framework": "keras", "backend": keras.backend.backend(),
                        "precision": plan.recipe.train.precision, "weights_file": self.weights_file})

    def fit(self, model: Any, plan: Plan, train: Pipeline, val: Pipeline, monitor: Monitor, run_dir: Path,
            resume: bool) -> Any:
        from zoo_keras.train import fit

        return fit(model, plan, train, val, monitor, run_dir, resume)

    def predict(self, model: Any, batches: Iterable[np.ndarray]) -> Outputs:
        from zoo_keras.predict import predict_outputs

        return predict_outputs(model, batches)

    def save(self, model: Any, run_dir: Path) -> Path:
        path = Path(run_dir) / self.weights_file
        path.parent.mkdir(parents=True, exist_ok=True)
        from zoo_keras.checkpoint import save_weights_atomic

        save_weights_atomic(model, path)
        return path

    def load(self, plan: Plan, run_dir: Path) -> Any:
        path = Path(run_dir) / self.weights_file
        if not path.exists():
            raise ZooError(f"{str(path)!r} does not exist: the run has no Keras weights; train it with "
                           f"`zoo train ... -f keras` or resume it with --resume {run_dir}")
        from zoo_keras.checkpoint import load_weights

        model = self.build(plan)
        load_weights(model, path)
        return model

    def export_onnx(self, model: Any, plan: Plan, path: Path, *, opset: int, dynamic_batch: bool) -> None:
        from zoo_keras.export import export_onnx

        export_onnx(model, plan, Path(path), opset=opset, dynamic_batch=dynamic_batch)

    def save_backbone(self, model: Any, path: Path) -> Path:
        from zoo_keras.checkpoint import save_weights_atomic

        return save_weights_atomic(model.get_layer("backbone"), Path(path))

"""`TorchFramework`: the zoo framework adapter for PyTorch (build, summary, fit, predict,
save, load). Runs on CUDA when available, else on the CPU with `zoo.plugin.cpu_threads` threads
(``OMP_NUM_THREADS`` when set, else every core the process may use), denormal floats flushed to
zero as TensorFlow does, and channels_last memory (`zoo_torch.train.channels_last`)."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from zoo.plugin import Framework, Outputs, Stage, Summary, WeightsError, World, cpu_threads
from zoo_torch import checkpoint, host_memory
from zoo_torch.model import Localizer, build_localizer
from zoo_torch.train import channels_last, fit, infer, inference_layout

if TYPE_CHECKING:
    from zoo.plugin import Monitor, Pipeline, Plan


def _count(module: torch.nn.Module | None, trainable: bool = False) -> int:
    if module is None:
        return 0
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable)


class TorchFramework(Framework):
    weights_file = "model.safetensors"
    backbone_weights_file = "backbone.safetensors"
    layer_type = "torch.nn:Module"

    def __init__(self) -> None:
        torch.set_num_threads(cpu_threads())
        # TensorFlow flushes denormal floats to zero; torch computes them, in microcode on x86:
        # the default recipe's train step measured 1.4-1.9x slower with them (docs/performance.md)
        torch.set_flush_denormal(True)
        host_memory.keep_freed_memory()  # no page faults per step for the activations (zoo_torch.host_memory)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        self._device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

    def device(self) -> str:
        return str(self._device)

    def join(self, world: World) -> None:
        """DDP over torchrun's processes: gloo on CPU, nccl on CUDA (``cuda:LOCAL_RANK``); the
        machine's CPU threads shared among its processes."""
        from zoo_torch import distributed

        torch.set_num_threads(cpu_threads(world.local_size))
        self._device = distributed.join(world)

    def launch(self, nproc: int, argv: list[str]) -> int:
        """`nproc` local processes through torch.distributed.run (torchrun's own code)."""
        from zoo_torch import distributed

        return distributed.launch(nproc, argv)

    def flops(self, model: Localizer, plan: Plan) -> int | None:
        """Counted by torch.utils.flop_counter on one image (multiply-add = 2 FLOPs)."""
        from torch.utils.flop_counter import FlopCounterMode

        height, width = plan.input_size
        was_training = model.training
        model.eval()
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            model(torch.zeros(1, 3, height, width, device=self._device))
        model.train(was_training)
        return int(counter.get_total_flops())

    def build(self, plan: Plan) -> Localizer:
        return build_localizer(plan).to(self._device)

    def count_params(self, model: Localizer, plan: Plan) -> int:
        return _count(model)

    def summary(self, model: Localizer, plan: Plan) -> Summary:
        height, width = plan.input_size
        was_training = model.training
        model.eval()
        with torch.no_grad():
            outs = model.stages(torch.zeros(1, 3, height, width, device=next(model.parameters()).device))
        model.train(was_training)
        head = model.head
        params = {"input": 0, "preprocess": 0, "backbone": _count(model.backbone),
                  "vectorizer": _count(model.vectorizer), "head.box": _count(getattr(head, "box", head)),
                  "head.logits": _count(getattr(head, "classes", None))}
        components = {"input": "rgb 0-255", "preprocess": plan.preprocessing, "backbone": plan.backbone.name,
                      "vectorizer": plan.vectorizer.name, "head.box": f"{plan.head.name} ({plan.encoding})",
                      "head.logits": f"{plan.head.name} ({plan.num_classes} classes)"}
        shapes = {"input": (1, 3, height, width), **{k: tuple(v.shape) for k, v in outs.items()}}
        stages = [Stage(k, components[k], shapes[k], params[k]) for k in components if k in shapes]
        return Summary(stages, _count(model), _count(model, trainable=True),
                       {"device": self.device(), "layout": "NCHW"})

    def fit(self, model: Localizer, plan: Plan, train: Pipeline, val: Pipeline, monitor: Monitor,
            run_dir: Path, resume: bool) -> Localizer:
        return fit(model, plan, train, val, monitor, Path(run_dir), resume, self._device)

    def predict(self, model: Localizer, batches: Iterable[np.ndarray]) -> Outputs:
        last = channels_last(self._device, "fp32")
        inference_layout(model.to(self._device).eval(), last)
        box, logits = [], []
        for images in batches:
            out = infer(model, images, self._device, "fp32", channels_last=last)
            box.append(out["box"].cpu().numpy())
            if "logits" in out:
                logits.append(out["logits"].cpu().numpy())
        if not box:
            return Outputs(np.zeros((0, 0), np.float32))
        return Outputs(np.concatenate(box), np.concatenate(logits) if logits else None)

    def save(self, model: Localizer, run_dir: Path) -> Path:
        return checkpoint.save_weights(model, Path(run_dir) / self.weights_file)

    def load(self, plan: Plan, run_dir: Path) -> Localizer:
        path = Path(run_dir) / self.weights_file
        if not path.exists():
            raise WeightsError(f"{str(path)!r} does not exist; the run has no saved model "
                               f"(train it to the end, or resume with `zoo train --resume {run_dir}`)")
        model = build_localizer(plan, pretrained=False)
        checkpoint.load_weights(model, path)
        return model.to(self._device).eval()

    def export_onnx(self, model: Localizer, plan: Plan, path: Path, *, opset: int, dynamic_batch: bool) -> None:
        from zoo_torch.export import export_onnx

        try:
            export_onnx(model, plan, Path(path), opset=opset, dynamic_batch=dynamic_batch)
        finally:
            model.to(self._device)

    def save_backbone(self, model: Localizer, path: Path) -> Path:
        return checkpoint.save_weights(model.backbone, Path(path))

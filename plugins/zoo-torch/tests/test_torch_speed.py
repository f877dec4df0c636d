"""What makes zoo's torch loop as fast as hand-written code (issue 14; figures in
docs/performance.md, measured by benchmarks/bench_speed.py): channels_last memory on CPU,
denormals flushed, the thread count from `zoo.plugin.cpu_threads`, no host read of the loss per
step, the pooled map computed only for heads that use it. Behaviour only, nothing timed."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from zoo_torch import train as torch_train
from zoo_torch.framework import TorchFramework

from torch_helpers import plan_for, tiny_overrides
from zoo import training
from zoo.errors import ZooError
from zoo.recipes import get
from zoo.registry import Registry


def test_framework_flushes_denormals_and_takes_threads_from_omp_num_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        TorchFramework()
        assert torch.get_num_threads() == 1
        assert float(torch.tensor([1e-39]) * 1.0) == 0.0  # a denormal input reads as zero
        monkeypatch.setenv("OMP_NUM_THREADS", "many")
        with pytest.raises(ZooError, match="OMP_NUM_THREADS='many'"):
            TorchFramework()
    finally:
        torch.set_num_threads(before)


def test_channels_last_on_cpu_and_for_bf16_nchw_for_fp32_on_cuda() -> None:
    cpu, cuda = torch.device("cpu"), torch.device("cuda:0")
    assert torch_train.channels_last(cpu, "fp32") and torch_train.channels_last(cpu, "bf16")
    assert torch_train.channels_last(cuda, "bf16") and not torch_train.channels_last(cuda, "fp32")


def _is_channels_last(model: torch.nn.Module) -> bool:
    convs = [m.weight for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    return bool(convs) and all(w.is_contiguous(memory_format=torch.channels_last) and not w.is_contiguous()
                               for w in convs)


def test_fit_trains_channels_last_without_a_loss_read_per_step(reg: Registry, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """20 steps: the losses are read twice (after 16 steps and at the epoch's end), never per step;
    the model is channels_last while it trains and contiguous when handed back."""
    seen: dict[str, Any] = {"layouts": [], "reads": 0, "items": 0}
    real_epoch, real_read = torch_train.train_epoch, torch_train.StepLosses.read

    def train_epoch(model: torch.nn.Module, *args: Any, **kwargs: Any) -> dict[str, float]:
        seen["layouts"].append(_is_channels_last(model))
        scalar_reads = {"n": 0}
        for name in ("item", "__float__", "tolist"):
            real = getattr(torch.Tensor, name)

            def counted(self: torch.Tensor, *a: Any, _real: Any = real, **k: Any) -> Any:
                scalar_reads["n"] += 1
                return _real(self, *a, **k)

            monkeypatch.setattr(torch.Tensor, name, counted)
        try:
            return real_epoch(model, *args, **kwargs)
        finally:
            monkeypatch.undo()
            seen["items"] = scalar_reads["n"]

    def read(self: torch_train.StepLosses) -> None:
        seen["reads"] += bool(self.values)
        real_read(self)

    monkeypatch.setattr(torch_train, "train_epoch", train_epoch)
    monkeypatch.setattr(torch_train.StepLosses, "read", read)
    recipe = get("default", overrides=tiny_overrides(**{"train.epochs": 1, "train.batch_size": 4,
                                                        "train.steps_per_epoch": 20}))
    run = training.train(recipe, "torch", reg, out=tmp_path / "run", workers=0)
    assert seen["layouts"] == [True]
    assert seen["reads"] == 2
    assert seen["items"] <= 4, seen  # the two reads, not one per step (nor per tensor: fused Adam)
    assert (run / "model.safetensors").exists()


def test_predict_converts_the_model_to_channels_last_once_and_saves_contiguous(
        reg: Registry, tmp_path: Path) -> None:
    """The first predict converts the weights (a copy of each); later calls copy nothing (the
    per-call round trip cost resnet18 more than its batch-1 forward); the saved weights are
    contiguous and load back into a fresh model with the same outputs."""
    framework = TorchFramework()
    plan = plan_for(reg, tiny_overrides())
    model = framework.build(plan)
    images = np.random.default_rng(0).integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)
    seen = []
    hook = model.backbone.register_forward_pre_hook(
        lambda _m, args: seen.append(args[0].is_contiguous(memory_format=torch.channels_last)))
    out = framework.predict(model, [images])
    assert seen == [True] and out.box.shape == (3, 4)
    assert _is_channels_last(model)
    pointers = [p.data_ptr() for p in model.parameters()]
    again = framework.predict(model, [images])
    hook.remove()
    assert [p.data_ptr() for p in model.parameters()] == pointers  # no copy on the second call
    np.testing.assert_array_equal(again.box, out.box)
    run = tmp_path / "run"
    run.mkdir()
    framework.save(model, run)
    loaded = framework.load(plan, run)
    np.testing.assert_allclose(framework.predict(loaded, [images]).box, out.box, atol=1e-6)


def test_pooled_map_is_computed_only_for_heads_that_use_it(reg: Registry) -> None:
    box = TorchFramework().build(plan_for(reg, tiny_overrides()))
    assert box.head.uses_pooled is False and box._pooled(torch.zeros(1, 4, 2, 2)) is None
    from zoo_torch.heads.box import box_class

    def head(class_input: str) -> Any:
        return box_class(in_features=8, in_channels=4, num_classes=3, encoding="xyxy", activation="sigmoid",
                         hidden=[], dense=True, dropout=0.0, class_input=class_input, class_hidden=[])

    assert head("pooled").uses_pooled is True and head("vector").uses_pooled is False
    box.head = head("pooled")
    assert box._pooled(torch.ones(1, 4, 2, 2)).shape == (1, 4)


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU affinity is Linux-only")
def test_threads_default_to_the_cpu_affinity(monkeypatch: pytest.MonkeyPatch) -> None:
    from zoo.plugin import cpu_threads

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert cpu_threads() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("mode", ["raw", "unit", "tf", "torch", "caffe"])
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (1, 3, 5, 5)])  # 384 values: the tiled path; 75: the broadcast
def test_preprocess_gives_the_core_affine_on_channels_last_input_and_keeps_the_layout(mode: str,
                                                                                      shape: tuple[int, ...]) -> None:
    from zoo.preprocess import apply
    from zoo_torch.model import Preprocess

    nhwc = np.random.default_rng(0).uniform(0, 255, (shape[0], shape[2], shape[3], 3)).astype(np.float32)
    expected = apply(nhwc, mode).transpose(0, 3, 1, 2)
    layer = Preprocess(mode)
    nchw = torch.from_numpy(nhwc).permute(0, 3, 1, 2)  # channels_last memory, as to_input gives
    for x in (nchw, nchw.contiguous()):
        out = layer(x)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-4)
        assert out.is_contiguous(memory_format=torch.channels_last) == x.is_contiguous(memory_format=torch.channels_last)

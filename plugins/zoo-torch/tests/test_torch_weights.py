"""Backbone weights: none, local files (round trip, wrong file, missing file), imagenet offline;
the parity weight layout; saving and loading a whole model."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from zoo_torch import weight_layout

from torch_helpers import images, plan_for, tiny_overrides
from zoo.errors import WeightsError
from zoo.registry import Registry

SMALL = {"filters": [4, 8], "batch_norm": True}


def _build(reg: Registry, name: str, weights: str, **params) -> torch.nn.Module:
    return reg.build("backbone", name, "torch", {"weights": weights, **params}, input_size=(32, 32)).eval()


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_local_file_round_trip(reg: Registry, tmp_path: Path, suffix: str) -> None:
    src = _build(reg, "simple_cnn", "none", **SMALL)
    with torch.no_grad():
        for p in src.parameters():
            p.add_(torch.randn_like(p))
    path = tmp_path / f"w{suffix}"
    state = {k: v.contiguous() for k, v in src.state_dict().items()}
    save_file(state, str(path)) if suffix == ".safetensors" else torch.save({"state_dict": state}, path)
    dst = _build(reg, "simple_cnn", str(path), **SMALL)
    x = images(2, (32, 32))
    assert torch.equal(src(x), dst(x))
    assert not torch.equal(_build(reg, "simple_cnn", "none", **SMALL)(x), dst(x))


def test_timm_checkpoint_with_classifier_and_prefix(reg: Registry, tmp_path: Path) -> None:
    """A full timm resnet18 state dict (with fc.*) and a VGG16 one (features.*) load into the trunks."""
    import timm

    full = timm.create_model("resnet18", num_classes=10)
    save_file({k: v.contiguous() for k, v in full.state_dict().items()}, str(tmp_path / "r18.safetensors"))
    trunk = _build(reg, "resnet18", str(tmp_path / "r18.safetensors"))
    assert torch.equal(trunk.conv1.weight, full.conv1.weight)
    vgg = _build(reg, "vgg16", "none")
    torch.save({f"features.{k}": v + 1 for k, v in vgg.state_dict().items()}, tmp_path / "vgg.pth")
    assert torch.equal(_build(reg, "vgg16", str(tmp_path / "vgg.pth"))[0].weight, vgg[0].weight + 1)


def test_wrong_and_missing_files(reg: Registry, tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="does not exist"):
        _build(reg, "resnet18", str(tmp_path / "nope.safetensors"))
    other = _build(reg, "simple_cnn", "none", filters=[4])
    save_file({k: v.contiguous() for k, v in other.state_dict().items()}, str(tmp_path / "cnn.safetensors"))
    with pytest.raises(WeightsError, match=r"does not fit .*missing \d+: conv1.weight") as err:
        _build(reg, "resnet18", str(tmp_path / "cnn.safetensors"))
    assert "\n" not in str(err.value)
    with pytest.raises(WeightsError, match="shape"):
        _build(reg, "simple_cnn", str(tmp_path / "cnn.safetensors"), filters=[5])
    (tmp_path / "w.txt").write_text("x")
    with pytest.raises(WeightsError, match="suffix"):
        _build(reg, "simple_cnn", str(tmp_path / "w.txt"))
    (tmp_path / "bad.pt").write_text("not a checkpoint")
    with pytest.raises(WeightsError, match="cannot read"):
        _build(reg, "simple_cnn", str(tmp_path / "bad.pt"))
    with pytest.raises(WeightsError, match="no imagenet weights"):
        _build(reg, "simple_cnn", "imagenet")
    with pytest.raises(WeightsError, match="no imagenet weights for 'mobilenetv2_035'"):
        _build(reg, "mobilenet_v2", "imagenet", alpha=0.35)


@pytest.mark.slow
def test_imagenet_offline_names_the_file(tmp_path: Path) -> None:
    """With an empty HF cache and HF_HUB_OFFLINE=1, "imagenet" fails fast with a WeightsError."""
    code = (
        "import json\nfrom zoo.plugins import registry\nfrom zoo.errors import WeightsError\nout = {}\n"
        "for name, p in [('resnet18', {}), ('vgg16', {}), ('mobilenet_v2', {'alpha': 1.0})]:\n"
        "    try:\n"
        "        registry().build('backbone', name, 'torch', {'weights': 'imagenet', **p}, input_size=(32, 32))\n"
        "        out[name] = 'loaded'\n"
        "    except WeightsError as e:\n"
        "        out[name] = str(e)\n"
        "print(json.dumps(out))\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"), "TORCH_HOME": str(tmp_path / "th")}
    res = subprocess.run([sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    for name, timm_name in (("resnet18", "resnet18.a1_in1k"), ("vgg16", "vgg16.tv_in1k"),
                            ("mobilenet_v2", "mobilenetv2_100.ra_in1k")):
        assert timm_name in out[name] and "backbone.weights=/path/file.safetensors" in out[name]
        assert "\n" not in out[name]


def test_parity_layout_round_trip(reg: Registry) -> None:
    net = _build(reg, "resnet18", "none")
    arrays = weight_layout.get_weights(net)
    n_layers = sum(isinstance(m, (torch.nn.Conv2d, torch.nn.BatchNorm2d)) for m in net.modules())
    assert len(arrays) == 20 * 1 + 20 * 4 and n_layers == 40  # 20 convs (no bias), 20 BNs
    assert arrays[0].shape == (7, 7, 3, 64) and [a.shape for a in arrays[1:5]] == [(64,)] * 4
    rng = np.random.default_rng(0)
    new = [rng.normal(size=a.shape).astype(np.float32) for a in arrays]
    new = [np.abs(a) + 0.5 if i % 5 == 4 else a for i, a in enumerate(new)]  # positive moving_var
    weight_layout.set_weights(net, new)
    assert all(np.array_equal(a, b) for a, b in zip(weight_layout.get_weights(net), new))
    head = reg.build("head", "box_class", "torch", {"hidden": [6]}, in_features=5, in_channels=3, num_classes=2)
    assert [a.shape for a in weight_layout.get_weights(head)] == [(5, 6), (6,), (6, 4), (4,), (5, 2), (2,)]
    with pytest.raises(ValueError, match="weight arrays"):
        weight_layout.set_weights(head, new[:3])


def test_dense_after_flatten_matches_nhwc_formula(reg: Registry) -> None:
    """A Keras-layout dense kernel applied to the NHWC-flattened map gives the torch head's output."""
    feat = torch.randn(2, 3, 2, 2)
    flat = reg.build("vectorizer", "flatten", "torch", {}, in_channels=3, in_size=(2, 2))(feat)
    head = reg.build("head", "box", "torch", {"activation": "linear"}, in_features=12, in_channels=3, num_classes=0)
    kernel, bias = weight_layout.get_weights(head)
    nhwc = feat.permute(0, 2, 3, 1).reshape(2, -1).numpy()
    assert np.allclose(head(flat, None)["box"].detach().numpy(), nhwc @ kernel + bias, atol=1e-6)


def test_save_and_load_model(reg: Registry, tmp_path: Path) -> None:
    from zoo_torch.framework import TorchFramework

    engine = TorchFramework()
    plan = plan_for(reg, tiny_overrides())
    model = engine.build(plan)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1)
    assert engine.save(model, tmp_path).name == "model.safetensors"
    loaded = engine.load(plan, tmp_path)
    batch = [np.random.default_rng(0).integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)]
    assert np.array_equal(engine.predict(model, batch).box, engine.predict(loaded, batch).box)
    with pytest.raises(WeightsError, match="does not exist"):
        engine.load(plan, tmp_path / "empty")

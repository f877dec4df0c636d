"""Cross-framework parity, on `zoo.testing.parity`: every loss gives the same value on Keras and
torch for the same inputs (1e-5), and the components written by us in both frameworks carry
weights across (`weight_layout`) and give equal outputs (1e-4). Needs both framework plugins."""
from __future__ import annotations

import numpy as np
import pytest

# Skip only when a framework library is absent (CI installs both). The project's own modules are
# imported plainly: a broken or missing zoo_torch / zoo_keras must fail this file, not skip it.
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from zoo_keras import weight_layout as keras_layout
from zoo_torch import weight_layout as torch_layout

from zoo import boxes, plugins
from zoo.testing import check_loss_parity

pytestmark = [pytest.mark.torch, pytest.mark.keras]
RNG = np.random.default_rng(0)
N, K = 8, 3


@pytest.fixture(scope="module")
def reg():  # type: ignore[no-untyped-def]
    plugins.reset()
    return plugins.registry()


LOSS_CASES = [
    ("mse", {}), ("smooth_l1", {}), ("smooth_l1", {"beta": 0.05}), ("bce", {}), ("log_l2", {}), ("giou", {}),
    ("focal", {}), ("focal", {"mode": "binary", "alpha": 0.25}), ("cross_entropy", {}),
]


@pytest.mark.parametrize("name, params", LOSS_CASES, ids=[f"{n}-{p}" for n, p in LOSS_CASES])
def test_loss_parity(name: str, params: dict, reg) -> None:  # type: ignore[no-untyped-def]
    """`zoo.testing.check_loss_parity`: equal values on both frameworks for seeded random inputs."""
    values = check_loss_parity(name, params, ("torch", "keras"), registry=reg)
    assert set(values) == {"torch", "keras"} and all(v > 0 for v in values["torch"])


def _to_nhwc(x: np.ndarray) -> np.ndarray:
    return np.transpose(x, (0, 2, 3, 1))


def _run_torch(module, x: np.ndarray):  # type: ignore[no-untyped-def]
    module.eval()
    with torch.no_grad():
        return module(torch.from_numpy(x))


def _carry(t_module, k_module) -> None:  # type: ignore[no-untyped-def]
    keras_layout.set_weights(k_module, torch_layout.get_weights(t_module))


def _randomize_bn(module) -> None:  # type: ignore[no-untyped-def]
    """Non-trivial BatchNorm statistics, so inference-mode BN is really compared."""
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)


BACKBONES = [("simple_cnn", {"filters": [8, 16], "padding": "same", "batch_norm": True}),
             ("simple_cnn", {"filters": [8], "padding": "valid"}), ("resnet18", {})]


@pytest.mark.parametrize("name, params", BACKBONES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BACKBONES)])
def test_backbone_weights_carry_across(name: str, params: dict, reg) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    t = reg.build("backbone", name, "torch", params, input_size=(32, 32))
    k = reg.build("backbone", name, "keras", params, input_size=(32, 32))
    _randomize_bn(t)
    _carry(t, k)
    x = RNG.normal(0, 1, (2, 3, 32, 32)).astype(np.float32)
    t_out = _to_nhwc(_run_torch(t, x).numpy())
    k_out = keras.ops.convert_to_numpy(k(_to_nhwc(x), training=False))
    assert t_out.shape == k_out.shape
    np.testing.assert_allclose(t_out, k_out, atol=1e-4, rtol=1e-4)


VECTORIZERS = [("flatten", {}), ("gap", {}), ("gmp", {}), ("conv", {"filters": 4, "kernel": 3}),
               ("conv", {"filters": 6, "kernel": 2, "stride": 2, "activation": "relu"}),
               ("conv_gap", {"filters": 16, "kernel": 3, "stride": 2}), ("vote", {"filters": 8}),
               ("vote", {"filters": 8, "kernel": 3})]


@pytest.mark.parametrize("name, params", VECTORIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(VECTORIZERS)])
def test_vectorizer_weights_carry_across(name: str, params: dict, reg) -> None:  # type: ignore[no-untyped-def]
    t = reg.build("vectorizer", name, "torch", params, in_channels=8, in_size=(5, 5))
    k = reg.build("vectorizer", name, "keras", params, in_channels=8, in_size=(5, 5))
    x = RNG.normal(0, 1, (2, 8, 5, 5)).astype(np.float32)
    k(_to_nhwc(x))  # Keras creates weights on the first call
    if name == "vote":  # its score and offset kernels start at zero: carry weights that are not
        import torch
        with torch.no_grad():
            for p in t.parameters():
                p.normal_(0, 0.3)
    _carry(t, k)
    t_out = _run_torch(t, x).numpy()
    k_out = keras.ops.convert_to_numpy(k(_to_nhwc(x)))
    np.testing.assert_allclose(t_out, k_out, atol=1e-4, rtol=1e-4)
    info = reg.info("vectorizer", name)
    assert t_out.shape[1] == info.metadata(params)["out_features"](info.resolve(params), 8, (5, 5))


HEADS = [("box", {"hidden": [16], "encoding": "cxcywh"}), ("box", {"encoding": "square", "activation": "linear"}),
         ("box_class", {"hidden": [16], "class_hidden": [8]}), ("box_class", {"class_input": "pooled"})]


@pytest.mark.parametrize("name, params", HEADS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(HEADS)])
def test_head_weights_carry_across(name: str, params: dict, reg) -> None:  # type: ignore[no-untyped-def]
    ctx = {"in_features": 12, "in_channels": 6, "num_classes": K if name == "box_class" else 0}
    t = reg.build("head", name, "torch", params, **ctx)
    k = reg.build("head", name, "keras", params, **ctx)
    vec = RNG.normal(0, 1, (2, 12)).astype(np.float32)
    pooled = RNG.normal(0, 1, (2, 6)).astype(np.float32)
    k(vec, pooled)  # Keras creates weights on the first call
    _carry(t, k)
    t.eval()
    with torch.no_grad():
        t_out = t(torch.from_numpy(vec), torch.from_numpy(pooled))
    k_out = k(vec, pooled)
    for key in t_out:
        np.testing.assert_allclose(t_out[key].numpy(), keras.ops.convert_to_numpy(k_out[key]), atol=1e-4, rtol=1e-4)
    assert t_out["box"].shape[1] == boxes.size(params.get("encoding", "xyxy"))


@pytest.mark.parametrize("backbone, stride", [("efficientnet_lite0", 4), ("efficientnet_lite0", 8),
                                              ("mobilenet_v2", 4)])
def test_freeze_stride_holds_the_same_tensors(backbone: str, stride: int, reg) -> None:  # type: ignore[no-untyped-def]
    """train.freeze_stride picks the same first layers on both frameworks: the held layers carry
    the same number of values (weights and BatchNorm statistics), and fewer than the backbone has."""
    from zoo_keras.freeze import fixed_layers as keras_fixed
    from zoo_torch.freeze import fixed_layers as torch_fixed

    import zoo

    recipe = zoo.get_recipe("default", overrides=(f"backbone.name={backbone}", "input_size=96",
                                                  f"train.freeze_stride={stride}"))
    t_model, k_model = zoo.build(recipe, "torch"), zoo.build(recipe, "keras")
    held_torch = sum(v.numel() for m in torch_fixed(t_model, recipe.train, recipe.input_size)
                     for k, v in m.state_dict().items() if "." not in k and k != "num_batches_tracked")
    k_backbone = k_model.get_layer("backbone")
    held_keras = sum(int(np.prod(w.shape)) for layer in keras_fixed(k_backbone, recipe.train, recipe.input_size)
                     for w in layer.weights)
    assert 0 < held_torch == held_keras < sum(int(np.prod(w.shape)) for w in k_backbone.weights)

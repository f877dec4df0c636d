"""Every registered Keras component builds and gives its declared shapes; the hand-written ones
have exactly zoo-torch's trainable parameter count (when zoo-torch is installed)."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from zoo import boxes
from zoo.errors import RecipeError
from zoo.standard.backbones import MOBILENET_ALPHAS
from zoo_keras._keras import keras
from zoo_keras.weight_layout import get_weights, set_weights

SIZE = (32, 32)
BACKBONES = [("simple_cnn", {}), ("simple_cnn", {"filters": [8, 16], "padding": "same", "batch_norm": True}),
             ("resnet18", {}), ("resnet50", {}), ("vgg16", {})] + \
            [("mobilenet_v2", {"alpha": a}) for a in MOBILENET_ALPHAS] + \
            [(f"efficientnet_lite{n}", {}) for n in (0, 1, 2)]
VECTORIZERS = [("flatten", {}), ("gap", {}), ("gmp", {}), ("conv", {}), ("conv", {"filters": 6, "stride": 2,
                                                                                   "activation": "relu"}),
               ("conv_gap", {}), ("conv_gap", {"filters": 16, "kernel": 1, "stride": 1}), ("vote", {"filters": 8})]
HEADS = [("box", {"encoding": e}) for e in boxes.ENCODINGS] + [
    ("box", {"hidden": [16, 8], "dropout": 0.2, "activation": "linear"}),
    ("box", {"hidden": [4], "dense": False}),
    ("box_class", {}), ("box_class", {"class_input": "pooled", "class_hidden": [8], "hidden": [16]})]
HAND_WRITTEN = [b for b in BACKBONES if b[0] in ("simple_cnn", "resnet18")]
HAS_TORCH = importlib.util.find_spec("zoo_torch") is not None


def _ids(cases: list[tuple[str, dict]]) -> list[str]:
    return [f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items())}" if p else n for n, p in cases]


def _trainable(module) -> int:  # type: ignore[no-untyped-def]
    return int(sum(np.prod(w.shape) for w in module.trainable_weights))


def test_every_keras_component_is_tested(reg) -> None:  # type: ignore[no-untyped-def]
    for kind, cases in (("backbone", BACKBONES), ("vectorizer", VECTORIZERS), ("head", HEADS)):
        ours = {e.name for e in reg.entries(kind) if e.framework == "keras" and e.source.plugin == "keras"}
        assert ours == {n for n, _ in cases}, kind


def _cells(name: str, params: dict, meta: dict) -> tuple[int, int]:
    """The feature map's (h, w): size / stride, less what valid convolutions cut in simple_cnn."""
    if name != "simple_cnn":
        return SIZE[0] // meta["stride"], SIZE[1] // meta["stride"]
    size = SIZE[0]
    for _ in params["filters"]:
        size = (size - (params["kernel"] - 1 if params["padding"] == "valid" else 0)) // 2
    return size, size


@pytest.mark.parametrize("name, params", BACKBONES, ids=_ids(BACKBONES))
def test_backbone_shape(name: str, params: dict, reg) -> None:  # type: ignore[no-untyped-def]
    module = reg.build("backbone", name, "keras", params, input_size=SIZE)
    meta = reg.info("backbone", name).metadata(params)
    out = module(np.zeros((2, *SIZE, 3), np.float32), training=False)
    assert tuple(out.shape) == (2, *_cells(name, reg.info("backbone", name).resolve(params), meta),
                                meta["out_channels"])
    assert meta["preprocessing"] == {"simple_cnn": "unit", "resnet18": "torch", "resnet50": "caffe",
                                     "vgg16": "caffe", "mobilenet_v2": "tf", "efficientnet_lite0": "tf",
                                     "efficientnet_lite1": "tf", "efficientnet_lite2": "tf"}[name]


def test_resnet18_has_timms_parameter_count(reg) -> None:  # type: ignore[no-untyped-def]
    assert _trainable(reg.build("backbone", "resnet18", "keras", {}, input_size=SIZE)) == 11_176_512


@pytest.mark.parametrize("n, count", [(0, 3_371_008), (1, 4_135_680), (2, 4_811_072)])
def test_efficientnet_lite_has_timms_parameter_count(n: int, count: int, reg) -> None:  # type: ignore[no-untyped-def]
    assert _trainable(reg.build("backbone", f"efficientnet_lite{n}", "keras", {}, input_size=SIZE)) == count


@pytest.mark.parametrize("name, params", VECTORIZERS, ids=_ids(VECTORIZERS))
def test_vectorizer_shape(name: str, params: dict, reg) -> None:  # type: ignore[no-untyped-def]
    c, hw = 8, (5, 5)
    module = reg.build("vectorizer", name, "keras", params, in_channels=c, in_size=hw)
    out = module(np.random.default_rng(0).normal(size=(2, *hw, c)).astype(np.float32))
    info = reg.info("vectorizer", name)
    assert tuple(out.shape) == (2, info.metadata()["out_features"](info.resolve(params), c, hw))


def test_flatten_is_nhwc_order(reg) -> None:  # type: ignore[no-untyped-def]
    x = np.arange(2 * 2 * 3 * 4, dtype=np.float32).reshape(2, 2, 3, 4)
    out = reg.build("vectorizer", "flatten", "keras", {}, in_channels=4, in_size=(2, 3))(x)
    np.testing.assert_array_equal(np.asarray(out), x.reshape(2, -1))


@pytest.mark.parametrize("name, params", HEADS, ids=_ids(HEADS))
def test_head_shapes(name: str, params: dict, reg) -> None:  # type: ignore[no-untyped-def]
    d, c, k = 4 if params.get("dense") is False else 12, 6, 3
    head = reg.build("head", name, "keras", params, in_features=d, in_channels=c, num_classes=k)
    rng = np.random.default_rng(1)
    out = head(rng.normal(size=(2, d)).astype(np.float32), rng.normal(size=(2, c)).astype(np.float32))
    e = boxes.size(params.get("encoding", "xyxy"))
    assert tuple(out["box"].shape) == (2, e) and np.asarray(out["box"]).dtype == np.float32
    if params.get("activation", "sigmoid") == "sigmoid":
        assert np.all((np.asarray(out["box"]) >= 0) & (np.asarray(out["box"]) <= 1))
    assert ("logits" in out) == (name == "box_class")
    if name == "box_class":
        assert tuple(out["logits"].shape) == (2, k)


def test_head_dense_false_needs_the_encoding_size(reg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RecipeError, match="dense: false"):
        reg.build("head", "box", "keras", {"dense": False}, in_features=7, in_channels=7, num_classes=0)
    with pytest.raises(RecipeError, match="classes"):
        reg.build("head", "box_class", "keras", {}, in_features=7, in_channels=7, num_classes=0)


def test_parity_weights_round_trip(reg) -> None:  # type: ignore[no-untyped-def]
    a = reg.build("backbone", "simple_cnn", "keras", {"batch_norm": True, "filters": [4, 8]}, input_size=SIZE)
    b = reg.build("backbone", "simple_cnn", "keras", {"batch_norm": True, "filters": [4, 8]}, input_size=SIZE)
    arrays = [np.random.default_rng(i).normal(size=w.shape).astype(np.float32) for i, w in enumerate(get_weights(a))]
    arrays[4] = np.abs(arrays[4]) + 0.5  # moving variance
    set_weights(a, arrays)
    set_weights(b, get_weights(a))
    x = np.random.default_rng(9).uniform(size=(2, *SIZE, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(a(x, training=False)), np.asarray(b(x, training=False)), atol=1e-6)
    assert [w.shape for w in get_weights(a)] == [(3, 3, 3, 4), (4,), (4,), (4,), (4,), (3, 3, 4, 8), (8,), (8,),
                                                 (8,), (8,)]
    with pytest.raises(ValueError, match="arrays"):
        set_weights(a, arrays[:-1])


# -- parameter counts equal zoo-torch's ------------------------------------------------------------------
TORCH_CASES = [("backbone", n, p, {"input_size": SIZE}) for n, p in HAND_WRITTEN] + \
    [("vectorizer", n, p, {"in_channels": 8, "in_size": (5, 5)}) for n, p in VECTORIZERS] + \
    [("head", n, p, {"in_features": 4 if p.get("dense") is False else 12, "in_channels": 6, "num_classes": 3})
     for n, p in HEADS]


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="zoo-torch is not installed")
@pytest.mark.parametrize("kind, name, params, context", TORCH_CASES,
                         ids=[f"{k}-{i}" for (k, *_), i in zip(TORCH_CASES, _ids([(n, p) for _, n, p, _ in TORCH_CASES]))])
def test_trainable_parameters_equal_torch(kind: str, name: str, params: dict, context: dict, reg) -> None:  # type: ignore[no-untyped-def]
    k_module = reg.build(kind, name, "keras", params, **context)
    if kind == "vectorizer":
        k_module(np.zeros((1, 5, 5, 8), np.float32))
    elif kind == "head":
        k_module(np.zeros((1, context["in_features"]), np.float32), np.zeros((1, 6), np.float32))
    t_module = reg.build(kind, name, "torch", params, **context)
    torch_count = sum(p.numel() for p in t_module.parameters() if p.requires_grad)
    assert _trainable(k_module) == torch_count


def test_keras_is_the_tensorflow_backend() -> None:
    assert keras.backend.backend() == "tensorflow"


@pytest.mark.parametrize("name", ["resnet50", "mobilenet_v2"])
def test_application_trunks_use_the_cores_batch_norm_momentum(name: str, reg) -> None:  # type: ignore[no-untyped-def]
    """keras.applications' own momenta (0.99, MobileNetV2's 0.999) let the running statistics lag
    the weights on short runs, and eval-mode outputs collapse; every trunk uses the core's 0.9."""
    from zoo.standard.backbones import BN_MOMENTUM

    module = reg.build("backbone", name, "keras", {}, input_size=SIZE)
    bns = [layer for layer in module.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert bns and all(layer.momentum == BN_MOMENTUM for layer in bns)


@pytest.mark.parametrize("mode", ["raw", "unit", "tf", "torch", "caffe"])
@pytest.mark.parametrize("size", [(8, 8), (5, 5), (4, 12)])  # 64 and 48 pixels: rows of 16 pixels; 25: the broadcast
def test_preprocess_layer_gives_the_core_affine_in_a_model_and_eagerly(mode: str, size: tuple[int, int]) -> None:
    from zoo.preprocess import apply
    from zoo_keras.layers import Preprocess

    images = np.random.default_rng(0).uniform(0, 255, (3, *size, 3)).astype(np.float32)
    inputs = keras.Input((*size, 3))
    model = keras.Model(inputs, Preprocess(mode)(inputs))
    for out in (model.predict(images, batch_size=2, verbose=0), np.asarray(Preprocess(mode)(images))):
        np.testing.assert_allclose(out, apply(images, mode), rtol=1e-6, atol=1e-4)

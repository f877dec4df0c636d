"""Backbone weights: none, local files (round trip, legacy .h5 by name), missing files, and
ImageNet offline (network-free: an empty Keras cache and a failing download) -> WeightsError."""
from __future__ import annotations

import urllib.error
from pathlib import Path

import h5py
import numpy as np
import pytest

from zoo.errors import WeightsError
from zoo_keras._keras import keras
from zoo_keras.weight_layout import get_weights

SIZE = (32, 32)


@pytest.fixture()
def offline_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Keras home and downloads that fail as without network; returns its models dir."""
    from keras.src.backend import config
    from keras.src.utils import file_utils

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))

    def no_network(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    monkeypatch.delenv("ZOO_OFFLINE", raising=False)
    return tmp_path / "models"


def assert_same_weights(expected, actual) -> None:  # type: ignore[no-untyped-def]
    """Every weight equal, and as many of them (zip alone would hide missing ones)."""
    assert len(actual) == len(expected)
    for a, b in zip(expected, actual):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def _randomize(module) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    for w in module.weights:
        w.assign(rng.uniform(0.5, 1.0, w.shape).astype("float32"))


@pytest.mark.parametrize("name, params", [("simple_cnn", {"batch_norm": True, "filters": [4, 8]}), ("resnet18", {})])
def test_local_weights_round_trip(name: str, params: dict, reg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    module = reg.build("backbone", name, "keras", params, input_size=SIZE)
    _randomize(module)
    path = tmp_path / f"{name}.weights.h5"
    module.save_weights(str(path))
    loaded = reg.build("backbone", name, "keras", {**params, "weights": str(path)}, input_size=SIZE)
    fresh = reg.build("backbone", name, "keras", params, input_size=SIZE)
    assert_same_weights(get_weights(module), get_weights(loaded))
    assert not all(np.array_equal(a, c) for a, c in zip(get_weights(module), get_weights(fresh)))


def _legacy_h5(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    """A keras-applications style .h5 file (layer-name groups), as downloaded ImageNet files are."""
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def test_legacy_h5_loads_by_name_into_an_application(reg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(*SIZE, 3), alpha=0.35)
    _randomize(source)
    path = tmp_path / "mnv2.h5"
    _legacy_h5(source, path)
    module = reg.build("backbone", "mobilenet_v2", "keras", {"alpha": 0.35, "weights": str(path)}, input_size=SIZE)
    # guards: every layer of the legacy file is loaded (not just the first), none left out
    assert_same_weights([w.numpy() for w in source.weights], [w.numpy() for w in module.weights])


def test_imagenet_from_the_keras_cache(reg, offline_cache: Path) -> None:  # type: ignore[no-untyped-def]
    """The file keras expects, present in the cache, loads without network (MobileNetV2: no hash)."""
    source = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(96, 96, 3), alpha=0.35)
    _randomize(source)
    offline_cache.mkdir(parents=True)
    _legacy_h5(source, offline_cache / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5")
    module = reg.build("backbone", "mobilenet_v2", "keras", {"alpha": 0.35, "weights": "imagenet"}, input_size=(96, 96))
    # guards: the whole cached file is loaded, every weight
    assert_same_weights([w.numpy() for w in source.weights], [w.numpy() for w in module.weights])


def test_zoo_offline_fails_at_once_without_a_download(reg, offline_cache: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/keras.md: ZOO_OFFLINE=1 fails at once instead of trying the download."""
    from keras.src.utils import file_utils

    tried: list[str] = []
    monkeypatch.setattr(file_utils, "urlretrieve", lambda url, *a, **k: tried.append(url))
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    with pytest.raises(WeightsError, match="ZOO_OFFLINE") as info:
        reg.build("backbone", "mobilenet_v2", "keras", {"alpha": 0.35, "weights": "imagenet"}, input_size=(96, 96))
    assert tried == [] and "\n" not in str(info.value)


@pytest.mark.parametrize("name, params, file_name", [
    ("vgg16", {}, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("resnet50", {}, "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("mobilenet_v2", {"alpha": 0.5}, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_96_no_top.h5"),
])
def test_imagenet_offline_names_the_file(name: str, params: dict, file_name: str, reg,  # type: ignore[no-untyped-def]
                                         offline_cache: Path) -> None:
    with pytest.raises(WeightsError) as info:
        reg.build("backbone", name, "keras", {**params, "weights": "imagenet"}, input_size=(96, 96))
    message = str(info.value)
    assert "\n" not in message and file_name in message and str(offline_cache) in message


@pytest.mark.parametrize("name, params", [("resnet18", {}), ("simple_cnn", {})])
def test_hand_written_backbones_have_no_imagenet_weights(name: str, params: dict, reg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WeightsError, match="(?i)no imagenet weights"):
        reg.build("backbone", name, "keras", {**params, "weights": "imagenet"}, input_size=SIZE)


def test_mobilenet_imagenet_needs_a_supported_size(reg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WeightsError, match="96, 128, 160, 192, 224"):
        reg.build("backbone", "mobilenet_v2", "keras", {"weights": "imagenet"}, input_size=(100, 100))


@pytest.mark.parametrize("name, file", [("resnet18", "missing.weights.h5"), ("vgg16", "missing.h5"),
                                        ("simple_cnn", "weights.bin")])
def test_missing_or_unknown_local_file(name: str, file: str, reg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if file.endswith(".bin"):
        (tmp_path / file).write_bytes(b"x")
    with pytest.raises(WeightsError, match=file.replace(".", r"\.")):
        reg.build("backbone", name, "keras", {"weights": str(tmp_path / file)}, input_size=SIZE)


def test_weights_of_another_architecture_fail_clearly(reg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = reg.build("backbone", "simple_cnn", "keras", {"filters": [4]}, input_size=SIZE)
    path = tmp_path / "other.weights.h5"
    other.save_weights(str(path))
    with pytest.raises(WeightsError, match="same architecture"):
        reg.build("backbone", "simple_cnn", "keras", {"filters": [8, 8], "weights": str(path)}, input_size=SIZE)

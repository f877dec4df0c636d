"""Backbone weights: ``none``, ``imagenet`` (keras.applications' own loading, cache and offline
aware) or a local file. Every failure is a one-line `zoo.errors.WeightsError` naming the file
to provide and where to put it."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoo.plugin import WeightsError, download_or_fail

#: keras.applications' download location of the ImageNet files (as in their source)
BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"


def keras_cache_dir() -> Path:
    """Where keras.applications looks for downloaded files: ``<Keras home>/models`` (Keras home
    is ``$KERAS_HOME`` when Keras was imported, else ``~/.keras``)."""
    from zoo_keras._keras import keras  # noqa: F401 - the backend first
    from keras.src.backend import config

    home = config.keras_home()
    return Path(home).expanduser() / "models"


def load_local(model: Any, path: str | Path, component: str) -> None:
    """Load a local weights file into `model`: ``*.weights.h5`` (Keras 3) or a legacy ``*.h5``
    (matched by layer name, shapes must agree)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise WeightsError(f"{component}: weights file {str(path)!r} does not exist; give an existing "
                           f".weights.h5 / .h5 file, 'imagenet' or 'none'")
    name = path.name
    try:
        if name.endswith(".weights.h5"):
            model.load_weights(str(path))
        elif name.endswith((".h5", ".hdf5")):
            model.load_weights(str(path), by_name=True, skip_mismatch=False)
        else:
            raise WeightsError(f"{component}: weights file {str(path)!r} has an unknown format; "
                               f"use a Keras .weights.h5 or a legacy .h5 file")
    except WeightsError:
        raise
    except Exception as exc:  # noqa: BLE001 - h5py / Keras raise many kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(f"{component}: cannot load {str(path)!r} ({first}); it must be saved from "
                           f"the same architecture") from None


def no_imagenet(component: str) -> WeightsError:
    """The error for a hand-written backbone that has no Keras ImageNet weights."""
    return WeightsError(f"{component}: Keras has no ImageNet weights for {component!r}; use weights: none or "
                        f"a local .weights.h5 file saved from this backbone")


def application(build: Callable[..., Any], component: str, file_name: str, subdir: str,
                weights: str, **kwargs: Any) -> Any:
    """A keras.applications trunk with `weights`.

    Args:
        build: the keras.applications constructor (called with ``weights=`` and `kwargs`).
        component: the registry name, for messages.
        file_name: the file keras downloads for ``imagenet`` (from the application's source).
        subdir: its folder under `BASE_URL`.
        weights: ``none``, ``imagenet`` or a path.
    """
    if weights == "none":
        return build(weights=None, **kwargs)
    if weights != "imagenet":
        model = build(weights=None, **kwargs)
        load_local(model, weights, component)
        return model
    cached = keras_cache_dir() / file_name
    url = f"{BASE_URL}{subdir}/{file_name}"
    download_or_fail(component, url, cached=[cached], put=keras_cache_dir(),
                     alternatives="use weights: none or a local .weights.h5 file")
    try:
        return build(weights="imagenet", **kwargs)
    except Exception as exc:  # noqa: BLE001 - urllib / socket / HTTP errors all mean "not reachable"
        if cached.is_file():
            raise WeightsError(f"{component}: the cached ImageNet file {str(cached)!r} does not load "
                               f"({type(exc).__name__}); delete it and download {url} again") from None
        raise _offline(component, file_name, url, type(exc).__name__) from None


def _offline(component: str, file_name: str, url: str, why: str) -> WeightsError:
    return WeightsError(f"{component}: ImageNet weights are not available offline ({why}): put {file_name!r} "
                        f"into {str(keras_cache_dir())!r} (download it from {url}), or use weights: none")

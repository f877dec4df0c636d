"""timm ImageNet weights offline: one line at once through zoo.weights.download_or_fail, instead
of the hub's minute of retries."""
from __future__ import annotations

import time

import pytest
import timm

from zoo.errors import WeightsError
from zoo_torch import weights


def test_imagenet_offline_fails_before_timm_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[bool] = []
    real = timm.create_model
    monkeypatch.setattr(timm, "create_model", lambda *a, **k: created.append(k.get("pretrained", False)) or real(*a, **k))
    monkeypatch.setattr(weights, "hub_cached", lambda tag: None)
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(WeightsError) as err:
        weights.create_timm("resnet18", "imagenet", num_classes=0)
    assert time.perf_counter() - start < 5 and True not in created
    msg = str(err.value)
    assert "\n" not in msg and "(ZOO_OFFLINE is set)" in msg
    assert "https://huggingface.co/timm/resnet18.a1_in1k/resolve/main/model.safetensors" in msg
    assert "backbone.weights=/path/file.safetensors" in msg

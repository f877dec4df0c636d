"""The adapter owns its parts' layer names: a factory may return a layer under any name."""
from __future__ import annotations

from typing import Any

from zoo import hookimpl
from zoo.interfaces import declare_backbone
from zoo.testing import check_component, isolated

OWN_NAME = declare_backbone("own_name_mobilenet", description="keras.applications' MobileNetV2, its own name kept",
                            meta={"out_channels": 1280, "preprocessing": "tf", "stride": 32})


def own_name_mobilenet(input_size: tuple[int, int], weights: str = "none") -> Any:
    from zoo_keras._keras import keras

    return keras.applications.MobileNetV2(include_top=False, weights=None, alpha=0.35,
                                          input_shape=(*input_size, 3))


class OwnNamePlugin:
    __name__ = "own_name_author"

    @hookimpl
    def register_backbones(self, register: Any) -> None:
        register(OWN_NAME, own_name_mobilenet, framework="keras")


def test_backbone_keeping_keras_applications_name_passes_the_kit() -> None:
    with isolated(OwnNamePlugin(), installed=("keras",)):
        report = check_component("backbone", "own_name_mobilenet", "keras", {}, input_size=64, train=False)
    assert all(ok for _, ok, _ in report.rows)
    assert any(check.startswith("summary") or "shape" in check for check, _, _ in report.rows)

"""Registry queries: listing with patterns and filters, unknown names, build checks."""
from __future__ import annotations

import pytest

from zoo.errors import PluginError, UnknownNameError
from zoo.registry import Registry, normalize


def test_list_filters_by_kind_pattern_and_framework(fake_registry: Registry) -> None:
    names = [e.name for e in fake_registry.entries("backbone", "res*")]
    assert names == ["resnet18", "resnet50"]
    assert {e.kind for e in fake_registry.entries(framework="fake")} >= {"backbone", "dataset"}
    assert fake_registry.entries("backbone", framework="keras") == []


def test_neutral_components_match_every_framework(fake_registry: Registry) -> None:
    # guards: every neutral dataset is listed for any framework (not merely one of them)
    neutral = {e.name for e in fake_registry.entries("dataset") if e.framework == "neutral"}
    assert {"blobs", "shapes", "cats", "csv", "voc", "coco", "yolo", "oxford_pets"} <= neutral
    for framework in ("keras", "fake"):
        assert {e.name for e in fake_registry.entries("dataset", framework=framework)} == neutral
    assert fake_registry.get("dataset", "blobs", "fake").framework == "neutral"


def test_unknown_name_suggests_nearest(fake_registry: Registry) -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'resnet50'"):
        fake_registry.get("backbone", "resnet5O", "fake")


def test_unknown_standard_name_says_what_to_install() -> None:
    reg = Registry()
    with pytest.raises(UnknownNameError, match=r"provided by zoo-torch, which is not installed: pip install -e plugins/zoo-torch"):
        reg.get("backbone", "resnet50", "torch")


def test_unknown_framework_says_what_to_install(fake_registry: Registry) -> None:
    with pytest.raises(UnknownNameError, match="zoo-keras, which is not installed"):
        fake_registry.framework("keras")


def test_names_are_normalized() -> None:
    assert normalize("ResNet-50") == "resnet_50"


def test_build_resolves_params_and_rejects_unknown(fake_registry: Registry) -> None:
    # guards: build passes the given params, the defaults of the others and the context to the factory
    from zoo.interfaces import Param, declare_backbone
    from zoo.interfaces.component import Source

    received: list[dict] = []

    def factory(**kwargs):  # type: ignore[no-untyped-def]
        received.append(kwargs)
        return lambda x: x

    fake_registry.add("backbone", declare_backbone("recorder", description="x",
                                                   params={"width": Param(8, int), "depth": Param(2, int)},
                                                   meta={"out_channels": 8, "preprocessing": "unit", "stride": 4}),
                      factory, framework="fake", source=Source("recorder"))
    assert callable(fake_registry.build("backbone", "recorder", "fake", {"width": 4}, input_size=(32, 32)))
    assert received == [{"weights": "none", "width": 4, "depth": 2, "input_size": (32, 32)}]
    with pytest.raises(ValueError, match="depth: unknown parameter"):
        fake_registry.build("backbone", "tiny", "fake", {"depth": 4})


def test_factory_returning_wrong_kind_names_the_plugin(fake_registry: Registry) -> None:
    from zoo.interfaces import declare_dataset
    from zoo.interfaces.component import Source

    fake_registry.add("dataset", declare_dataset("not_a_dataset", description="x"), lambda **k: [1, 2],
                      framework="neutral", source=Source("sloppy", "zoo-sloppy", "0.1"))
    with pytest.raises(PluginError, match=r"plugin 'sloppy' \(zoo-sloppy 0.1\).*returned a list, not a zoo"):
        fake_registry.build("dataset", "not_a_dataset", "neutral", {})


def test_factory_needing_missing_library_says_so(fake_registry: Registry) -> None:
    from zoo.interfaces import declare_backbone
    from zoo.interfaces.component import Source

    fake_registry.add("backbone", declare_backbone("needs_lib", description="x",
                                                   meta={"out_channels": 1, "preprocessing": "unit", "stride": 1}),
                      "no_such_module_xyz:build", framework="fake", source=Source("p"))
    with pytest.raises(PluginError, match="needs a library that is not installed"):
        fake_registry.build("backbone", "needs_lib", "fake", {})

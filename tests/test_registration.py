"""`zoo.plugin.component_hooks` and `zoo.plugin.weights_hook`: a framework plugin's registrations
as data, the same entries the hand-written hooks gave, without importing a framework; the
framework adapter's name and requirement come from its registration."""
from __future__ import annotations

import sys
import types

import pytest

from zoo import plugins
from zoo.plugin import EFFICIENTNET_LITE, component_hooks, hookimpl, weights_hook
from zoo.testing.numpy_framework import NumpyFramework


def _plugin() -> types.ModuleType:
    module = types.ModuleType("tablefw_plugin")
    (module.register_backbones, module.register_vectorizers, module.register_heads,
     module.register_losses) = component_hooks(
        "tablefw", "tablefw", {"backbone": {"nets.small": ("simple_cnn",)},
                               "vectorizer": {"pool": ("gap", "gmp")}, "loss": {"giou": ("giou",)}},
        meta={"simple_cnn": {"preprocessing": "torch"}})
    module.register_weights = weights_hook("tablefw", "tablefw.nets:load", downloads={"resnet50": "MIT"},
                                           url="https://example.org", description="downloaded by tablefw")

    class TableFramework(NumpyFramework):
        name = requirement = ""  # left to the registration

    @hookimpl
    def register_frameworks(register):  # type: ignore[no-untyped-def]
        register("tablefw", TableFramework, requirement="tablefw-dist")

    module.register_frameworks = register_frameworks
    return module


def test_component_hooks_register_each_row_with_its_lazy_factory_and_metadata() -> None:
    with plugins.use_plugins(_plugin()) as reg:
        entries = {(e.kind, e.name): e for e in reg.entries(framework="tablefw") if e.kind != "dataset"}
        assert sorted(entries) == [("backbone", "simple_cnn"), ("loss", "giou"), ("vectorizer", "gap"),
                                   ("vectorizer", "gmp")]
        assert entries["backbone", "simple_cnn"].factory.target == "tablefw.nets.small:simple_cnn"
        assert entries["vectorizer", "gmp"].factory.target == "tablefw.pool:gmp"
        assert entries["backbone", "simple_cnn"].info.metadata({})["preprocessing"] == "torch"
        assert "tablefw" not in sys.modules  # lazy: nothing of the plugin's package imported
        weights = reg.weights(framework="tablefw")
        assert {w.info.backbone for w in weights} == {"resnet50", *(f"efficientnet_lite{n}" for n in EFFICIENTNET_LITE)}
        assert next(w for w in weights if w.info.backbone == "resnet50").info.license == "MIT"
        adapter = reg.framework("tablefw")
        assert (adapter.name, adapter.requirement) == ("tablefw", "tablefw-dist")


def test_component_hooks_refuse_a_kind_they_do_not_register() -> None:
    with pytest.raises(ValueError, match="unknown kind 'dataset'; use backbone, vectorizer, head or loss"):
        component_hooks("fw", "pkg", {"dataset": {"m": ("x",)}})

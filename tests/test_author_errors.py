"""The failure paths a plugin author meets, seen from the author's side (through zoo.testing):
each gives one clear message that names the plugin and the fix."""
from __future__ import annotations

from typing import Any

import pytest

from zoo import hookimpl, plugins
from zoo.errors import PluginError
from zoo.interfaces import Param, declare_backbone, declare_dataset, declare_loss
from zoo.testing import fixtures as kit
from zoo.testing import isolated
from zoo.testing.numpy_framework import FW, NumpyPlugin

NET = declare_backbone("author_net", description="an author's backbone",
                       meta={"out_channels": 8, "preprocessing": "unit", "stride": 4})

zoo_registry = kit.zoo_registry
register_plugin = kit.register_plugin


def _plugin(name: str, **hooks: Any) -> Any:
    """A plugin object called `name` whose hooks are the given functions of `register`."""
    cls = type(name, (), {"__name__": name, **{h: hookimpl(lambda self, register, f=f: f(register))
                                               for h, f in hooks.items()}})
    return cls()


# -- a duplicate name ---------------------------------------------------------------------------------------
def test_duplicate_name_names_both_plugins(register_plugin: Any) -> None:
    register_plugin(_plugin("first_author", register_backbones=lambda r: r(NET, lambda **k: None, framework=FW)))
    with pytest.raises(PluginError) as err:
        register_plugin(_plugin("second_author", register_backbones=lambda r: r(NET, lambda **k: None, framework=FW)))
    msg = str(err.value)
    assert "duplicate backbone 'author_net' for framework 'npfw'" in msg
    assert "plugin 'first_author'" in msg and "plugin 'second_author'" in msg
    assert err.value.plugin == "second_author"


def test_duplicate_of_a_builtin_names_zoo(register_plugin: Any) -> None:
    info = declare_dataset("blobs", description="mine", params={"n": Param(4, int)})
    with pytest.raises(PluginError, match=r"duplicate dataset 'blobs'.*plugin 'zoo.builtin.datasets' \(zoo "):
        register_plugin(_plugin("shadowing", register_datasets=lambda r: r(info, lambda n: None)))


def test_same_name_on_another_framework_is_fine(register_plugin: Any) -> None:
    register_plugin(_plugin("torch_side", register_backbones=lambda r: r(NET, lambda **k: None, framework="fw_a")))
    reg = register_plugin(_plugin("keras_side", register_backbones=lambda r: r(NET, lambda **k: None, framework="fw_b")))
    assert reg.get("backbone", "author_net", "fw_a").source.plugin == "torch_side"
    assert reg.get("backbone", "author_net", "fw_b").source.plugin == "keras_side"


# -- a misspelled hook --------------------------------------------------------------------------------------
def test_misspelled_hook_is_caught_at_load_with_suggestion(register_plugin: Any) -> None:
    typo = _plugin("typo_author", register_backbone=lambda r: None)
    with pytest.raises(PluginError, match=r"unknown hook 'register_backbone'; did you mean 'register_backbones'"):
        register_plugin(typo)


def test_failed_plugin_leaves_nothing_behind() -> None:
    def half(register: Any) -> None:
        register(NET, lambda **k: None, framework=FW)
        register("no_such_standard", lambda **k: None, framework=FW)

    with isolated(_plugin("half_author", register_backbones=half), strict=False) as reg:
        rec = {r.name: r for r in plugins.records()}["half_author"]
        assert rec.status == "failed" and "no standard declaration" in (rec.error or "")
        assert "pass a ComponentInfo (zoo.interfaces.declare_backbone)" in (rec.error or "")
        assert "author_net" not in reg.names("backbone")


def test_incomplete_declaration_says_what_is_missing() -> None:
    with pytest.raises(ValueError, match=r"backbone metadata lacks \['stride'\]"):
        declare_backbone("x", description="x", meta={"out_channels": 8, "preprocessing": "unit"})
    with pytest.raises(ValueError, match="preprocessing 'imagenet' is not one of"):
        declare_backbone("x", description="x", meta={"out_channels": 8, "preprocessing": "imagenet", "stride": 2})


# -- a factory that returns the wrong kind of object -----------------------------------------------------------
@pytest.mark.parametrize(("kind", "hook", "info", "returned", "problem"), [
    ("dataset", "register_datasets", declare_dataset("bad_data", description="x"), [1, 2], "a list, not a zoo.interfaces.Dataset"),
    ("loss", "register_losses", declare_loss("bad_loss", target="box", description="x"), 0.5, "a float, which is not callable"),
    ("backbone", "register_backbones", NET, None, "returned None"),
    ("backbone", "register_backbones", NET, "resnet", "a str, not a framework module"),
])
def test_factory_returning_the_wrong_kind_names_the_plugin(register_plugin: Any, kind: str, hook: str, info: Any,
                                                           returned: Any, problem: str) -> None:
    fw = "neutral" if kind == "dataset" else FW
    extra = {} if kind == "dataset" else {"framework": FW}
    reg = register_plugin(_plugin("sloppy_author", **{hook: lambda r: r(info, lambda **k: returned, **extra)}))
    context = {"input_size": (32, 32)} if kind == "backbone" else {}
    with pytest.raises(PluginError) as err:
        reg.build(kind, info.name, fw, {}, **context)  # type: ignore[arg-type]
    assert "plugin 'sloppy_author'" in str(err.value) and problem in str(err.value)
    assert f"the factory of {kind} {info.name!r}" in str(err.value) and err.value.plugin == "sloppy_author"


# -- a framework that is not installed ------------------------------------------------------------------------
def test_factory_needing_a_missing_library_says_so(register_plugin: Any) -> None:
    reg = register_plugin(_plugin("jax_author", register_backbones=lambda r: r(
        NET, "zoo_no_such_framework_lib.backbones:author_net", framework="jax")))
    with pytest.raises(PluginError) as err:
        reg.build("backbone", "author_net", "jax", {}, input_size=(32, 32))
    msg = str(err.value)
    assert "backbone 'author_net' from plugin 'jax_author' needs a library that is not installed" in msg
    assert "zoo_no_such_framework_lib" in msg and err.value.plugin == "jax_author"


def test_registration_stays_lazy_until_build(register_plugin: Any) -> None:
    """A missing library does not break loading or listing: only building the component fails."""
    reg = register_plugin(_plugin("lazy_author", register_backbones=lambda r: r(
        NET, "zoo_no_such_framework_lib:factory", framework="jax")))
    assert reg.names("backbone", "jax") == ["author_net"]
    assert {r.name: r.status for r in plugins.records()}["lazy_author"] == "active"


def test_checking_on_an_uninstalled_framework_says_how_to_get_it(zoo_registry: Any) -> None:
    from zoo.testing import FrameworkUnavailable, check_component

    with pytest.raises(FrameworkUnavailable, match=r"unknown framework 'keras'.*pip install -e plugins/zoo-keras"):
        check_component("loss", "mse", "keras")


def test_plugin_object_without_hooks_is_harmless(register_plugin: Any) -> None:
    reg = register_plugin(NumpyPlugin())
    register_plugin(_plugin("empty_author"))
    assert {r.name: r.hooks for r in plugins.records()}["empty_author"] == []
    assert reg.names("backbone", FW) == ["np_pool"]

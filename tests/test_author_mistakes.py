"""Mistakes a plugin author makes that used to pass silently or crash late, each now caught
early and named in one line (issue 12, points 3 to 6)."""
from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from zoo import hookimpl, plugins
from zoo.errors import PluginError, UnknownNameError
from zoo.interfaces import Param, declare_backbone
from zoo.recipes import parse
from zoo.testing import ConformanceError, check_component, isolated
from zoo.testing.numpy_framework import FW, NumpyPlugin, pool_backbone
from zoo.validation import problems


def _plugin(name: str, **hooks: Any) -> Any:
    cls = type(name, (), {"__name__": name, **{h: hookimpl(lambda self, register, f=f: f(register))
                                               for h, f in hooks.items()}})
    return cls()


def _recipe(backbone: Any) -> Any:
    return parse("mine", {"backbone": backbone, "vectorizer": "gap", "head": "box", "loss": "mse",
                          "dataset": {"name": "blobs", "n": 16, "size": 32}, "input_size": 32})


NET = declare_backbone("author_net", description="x", params={"width": Param(8, int)},
                       meta={"out_channels": 3, "preprocessing": "unit", "stride": 4})


# -- point 3: a mistyped factory string ------------------------------------------------------------------------
def test_validate_for_a_framework_resolves_factories() -> None:
    typo = _plugin("typo_factory", register_backbones=lambda r: r(
        NET, "zoo.testing.numpy_framework:pool_backbon", framework=FW))
    with isolated(NumpyPlugin(), typo) as reg:
        assert problems(_recipe("author_net"), reg) == []  # framework-free validation imports nothing
        found = problems(_recipe("author_net"), reg, FW)
        assert len(found) == 1 and "\n" not in found[0]
        assert ("plugin 'typo_factory': the factory 'zoo.testing.numpy_framework:pool_backbon' of backbone "
                "'author_net' does not exist") in found[0]
        assert "did you mean 'pool_backbone'?" in found[0]
        from zoo.cli import cli

        result = CliRunner().invoke(cli, ["validate", "-f", FW])
    assert "Traceback" not in result.output


def test_validate_names_a_factory_module_that_does_not_import() -> None:
    typo = _plugin("typo_module", register_backbones=lambda r: r(NET, "zoo.testing.numpy_framewrk:pool_backbone",
                                                                 framework=FW))
    with isolated(NumpyPlugin(), typo) as reg:
        (found,) = problems(_recipe("author_net"), reg, FW)
    assert "plugin 'typo_module': the factory 'zoo.testing.numpy_framewrk:pool_backbone'" in found
    assert "cannot be imported: ModuleNotFoundError" in found


# -- point 4: an unknown name that a failed plugin provides --------------------------------------------------------
def test_unknown_name_mentions_the_failed_plugin_that_provides_it() -> None:
    def half(register: Any) -> None:
        register(NET, pool_backbone, framework=FW)
        raise RuntimeError("boom while registering")

    with isolated(NumpyPlugin(), _plugin("half_author", register_backbones=half), strict=False) as reg:
        with pytest.raises(UnknownNameError) as err:
            reg.get("backbone", "author_net", FW)
        (found,) = [p for p in problems(_recipe("author_net"), reg, FW)]
    msg = str(err.value)
    assert "plugin 'half_author', which provides it, failed to load (RuntimeError: boom while registering)" in msg
    assert "failed to load (RuntimeError: boom while registering)" in found


def test_unknown_name_mentions_a_plugin_that_failed_before_registering() -> None:
    def broken(register: Any) -> None:
        raise ImportError("No module named 'mobilenetv3_impl'")

    with isolated(NumpyPlugin(), _plugin("early_author", register_backbones=broken), strict=False) as reg:
        with pytest.raises(UnknownNameError) as err:
            reg.get("backbone", "mobilenet_v3_small", FW)
    assert ("a plugin that failed to load may provide it: plugin 'early_author' "
            "(ImportError: No module named 'mobilenetv3_impl')") in str(err.value)


# -- point 5: callable metadata ---------------------------------------------------------------------------------
def test_callable_meta_lacking_a_key_fails_at_registration() -> None:
    info = declare_backbone("lambda_net", description="x", meta=lambda p: {"out_channels": 3, "preprocessing": "unit"})
    author = _plugin("lambda_author", register_backbones=lambda r: r(info, pool_backbone, framework=FW))
    with pytest.raises(PluginError, match=r"plugin 'lambda_author': the metadata of backbone 'lambda_net' "
                                          r"lacks \['stride'\] for parameters \{'weights': 'none'\}"):
        with isolated(NumpyPlugin(), author):
            pass
    with isolated(NumpyPlugin(), author, strict=False):
        rec = {r.name: r for r in plugins.records()}["lambda_author"]
    assert rec.status == "failed" and "lacks ['stride']" in (rec.error or "")


def test_kit_reports_metadata_that_fails_for_some_parameters() -> None:
    info = declare_backbone("picky_net", description="x", params={"channels": Param(3, int)},
                            meta=lambda p: {"out_channels": p["channels"], "preprocessing": "unit",
                                            **({"stride": 4} if p["channels"] == 3 else {})})
    author = _plugin("picky_author", register_backbones=lambda r: r(info, pool_backbone, framework=FW))
    with isolated(NumpyPlugin(), author):
        with pytest.raises(ConformanceError, match=r"metadata keys: missing \['stride'\]"):
            check_component("backbone", "picky_net", FW, {"channels": 5})
        (found,) = problems(_recipe({"name": "picky_net", "channels": 5}), isolated_registry())
    assert "the metadata of backbone 'picky_net' lacks ['stride']" in found


def isolated_registry() -> Any:
    return plugins.registry()


# -- point 6: parameter names and types ------------------------------------------------------------------------------
@pytest.mark.parametrize("backbone, message", [
    ({"name": "author_net", "widht": 4}, "recipe 'mine', backbone.widht: unknown parameter; did you mean 'width'? "
                                         "(valid: weights, width)"),
    ({"name": "author_net", "alpha": 4}, "recipe 'mine', backbone.alpha: unknown parameter (valid: weights, width)"),
    ({"name": "author_net", "width": "8x"}, "recipe 'mine', backbone.width: expected int, got str '8x'"),
])
def test_parameter_messages_are_clean_with_suggestions(backbone: dict[str, Any], message: str) -> None:
    author = _plugin("param_author", register_backbones=lambda r: r(NET, pool_backbone, framework=FW))
    with isolated(NumpyPlugin(), author) as reg:
        assert problems(_recipe(backbone), reg) == [message]

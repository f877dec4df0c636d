"""zoo.testing, tested as a plugin author uses it: the fixtures isolate, the tiny dataset honours
the Dataset contract, and the conformance checks pass good components and name what is wrong
with bad ones. The numpy reference framework (zoo.testing.numpy_framework) stands in for torch / Keras, so this
file needs neither; one loss-parity test uses the real plugins when both are installed. Each
hook of zoo.hookspecs has its ``test_hook_<name>`` here."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest
from click.testing import CliRunner

from zoo import hookimpl, plugins
from zoo.interfaces import Param, declare_backbone, declare_dataset, declare_head, declare_loss
from zoo.testing import (
    ConformanceError,
    FrameworkUnavailable,
    Report,
    TinyDataset,
    available_frameworks,
    check_component,
    check_dataset,
    check_loss_parity,
    isolated,
    tiny_dataset,
)
from zoo.testing import fixtures as kit
from zoo.testing.numpy_framework import FW, NumpyFramework, NumpyPlugin

zoo_registry = kit.zoo_registry
register_plugin = kit.register_plugin


def test_zoo_testing_imports_no_framework_and_no_pytest() -> None:
    code = ("import sys, zoo.testing; bad = [m for m in ('torch', 'keras', 'tensorflow', 'timm', 'pytest') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_zoo_registry_holds_only_builtins(zoo_registry: Any) -> None:
    assert {r.status for r in plugins.records()} == {"builtin"}
    assert zoo_registry.names("backbone") == [] and "blobs" in zoo_registry.names("dataset")
    assert zoo_registry.frameworks() == {}


def test_register_plugin_adds_for_one_test_and_accumulates(register_plugin: Any) -> None:
    reg = register_plugin(NumpyPlugin())
    assert reg.names("backbone", FW) == ["np_pool"] and plugins.registry() is reg

    class Extra:
        __name__ = "extra"

        @hookimpl
        def register_losses(self, register: Any) -> None:
            register(declare_loss("extra_l1", target="box", description="x"), lambda: abs, framework=FW)

    reg2 = register_plugin(Extra())
    assert "np_pool" in reg2.names("backbone") and "extra_l1" in reg2.names("loss")


def test_isolated_restores_the_previous_registry() -> None:
    before = plugins._state
    with isolated(NumpyPlugin()) as reg:
        assert reg.names("backbone") == ["np_pool"]
    assert plugins._state is before


def test_tiny_dataset_is_a_conforming_dataset() -> None:
    for ds in (tiny_dataset(), tiny_dataset(n=12, size=24, classes=3, seed=4)):
        report = Report("tiny")  # guards: a dataset with any failed check is not "conforming"
        assert isinstance(ds, TinyDataset) and check_dataset(ds, report)
        assert report.failures == []
    a, b = tiny_dataset(seed=1), tiny_dataset(seed=1)
    assert np.array_equal(a.load(3).image, b.load(3).image)
    s = a.load(0)
    x1, y1, x2, y2 = (s.box * 32).round().astype(int)
    assert s.image[y1:y2, x1:x2].any() and not s.image[:y1].any()


def test_check_dataset_names_a_broken_dataset() -> None:
    class Inverted(TinyDataset):
        def targets(self) -> tuple[np.ndarray, np.ndarray]:
            boxes, labels = super().targets()
            return boxes[:, [2, 1, 0, 3]], labels

    report = Report("inverted")
    assert check_dataset(Inverted(), report) is False
    assert [c for c, _ in report.failures] == ["targets in range", "load vs targets"]

    class FloatLabels(TinyDataset):  # loads fine: only a mid-way check fails
        def targets(self) -> tuple[np.ndarray, np.ndarray]:
            boxes, labels = super().targets()
            return boxes, labels.astype(np.float64)

    report = Report("float labels")
    assert check_dataset(FloatLabels(), report) is False  # guards: any failure makes check_dataset False
    assert [c for c, _ in report.failures] == ["targets labels"]


# -- hooks, each exercised through the kit -----------------------------------------------------------------
def test_hook_register_frameworks(register_plugin: Any, tmp_path: Path) -> None:
    """A framework plugin's adapter is what `zoo train` drives: train a recipe on it end to end."""
    from zoo.recipes import parse
    from zoo.training import train

    reg = register_plugin(NumpyPlugin())
    assert isinstance(reg.framework(FW), NumpyFramework) and reg.frameworks()[FW].requirement == "numpy"
    recipe = parse("np", {"backbone": "np_pool", "vectorizer": "gap", "head": "box", "loss": "mse",
                          "dataset": {"name": "blobs", "n": 40, "size": 32}, "input_size": 32,
                          "train": {"epochs": 2, "batch_size": 8}})
    run = train(recipe, FW, reg, out=tmp_path / "run", workers=0)
    assert (run / "metrics.json").exists() and (run / NumpyFramework.weights_file).exists()


def test_hook_register_backbones(register_plugin: Any) -> None:
    register_plugin(NumpyPlugin())
    report = check_component("backbone", "np_pool", FW)
    assert {"backbone out_channels", "backbone stride", "fit lowers the loss", "save/load round trip"} <= {
        r[0] for r in report.rows}


def test_hook_register_vectorizers(register_plugin: Any) -> None:
    register_plugin(NumpyPlugin())
    check_component("vectorizer", "gap", FW)


def test_hook_register_heads(register_plugin: Any) -> None:
    register_plugin(NumpyPlugin())
    check_component("head", "box", FW, {"encoding": "square", "activation": "linear"})


def test_hook_register_losses(register_plugin: Any) -> None:
    register_plugin(NumpyPlugin())
    check_component("loss", "np_l1", FW)


def test_hook_register_datasets(register_plugin: Any) -> None:
    class Data:
        __name__ = "author_data"

        @hookimpl
        def register_datasets(self, register: Any) -> None:
            register(declare_dataset("tiny_shapes", description="the kit's tiny set",
                                     classes=lambda p: {"classes": p["classes"] > 0},
                                     params={"n": Param(16, int), "classes": Param(2, int)}),
                     lambda n, classes: tiny_dataset(n=n, classes=classes))

    register_plugin(NumpyPlugin())
    reg = register_plugin(Data())
    assert reg.get("dataset", "tiny_shapes", FW).source.plugin == "author_data"
    check_component("dataset", "tiny_shapes", None, {"n": 12})
    check_component("dataset", "tiny_shapes", FW, {"n": 20, "classes": 0})  # npfw has no class head


def test_hook_register_commands(register_plugin: Any) -> None:
    from zoo.cli import _plugin_commands, cli

    class Commands:
        __name__ = "author_commands"

        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command(name="hello-author")
            @click.argument("who")
            def hello(who: str) -> None:
                """Say hello."""
                click.echo(f"hello {who}")

    register_plugin(Commands())
    try:
        _plugin_commands()
        result = CliRunner().invoke(cli, ["hello-author", "zoo"])
        assert result.exit_code == 0 and result.output == "hello zoo\n"
        assert "author_commands" in [r.name for r in plugins.records()]
    finally:
        cli.commands.pop("hello-author", None)


# -- the checks catch what is wrong ----------------------------------------------------------------------
def test_wrong_declared_channels_are_caught(register_plugin: Any) -> None:
    register_plugin(NumpyPlugin())
    with pytest.raises(ConformanceError, match=r"backbone out_channels: .*declared out_channels 5"):
        check_component("backbone", "np_pool", FW, {"channels": 5})


def test_a_fit_that_learns_nothing_is_caught(register_plugin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    register_plugin(NumpyPlugin())
    monkeypatch.setattr(NumpyFramework, "lr_scale", 0.0)
    with pytest.raises(ConformanceError) as err:
        check_component("backbone", "np_pool", FW)
    assert "fit lowers the loss" in str(err.value) and "fit changes the weights" in str(err.value)


def test_wrong_head_output_size_is_caught(register_plugin: Any) -> None:
    class BadHead:
        __name__ = "bad_head"

        @hookimpl
        def register_heads(self, register: Any) -> None:
            from zoo.testing.numpy_framework import Head

            register(declare_head("off_by_one", classes=False, description="x"),
                     lambda in_features, encoding, activation, **k: Head(in_features, 5, activation, 0), framework=FW)

    register_plugin(NumpyPlugin())
    register_plugin(BadHead())
    with pytest.raises(ConformanceError, match=r"box output size: \(8, 5\), want \(8, 4\)"):
        check_component("head", "off_by_one", FW, train=False)


def test_bad_parameter_round_trip_is_caught(register_plugin: Any) -> None:
    class Tuple:
        __name__ = "tuple_param"

        @hookimpl
        def register_backbones(self, register: Any) -> None:
            register(declare_backbone("tupled", description="x", params={"sizes": Param((1, 2), object)},
                                      meta={"out_channels": 3, "preprocessing": "unit", "stride": 4}),
                     "zoo.testing.numpy_framework:pool_backbone", framework=FW)

    register_plugin(NumpyPlugin())
    register_plugin(Tuple())
    with pytest.raises(ConformanceError, match="params are plain data"):
        check_component("backbone", "tupled", FW, train=False)


def test_missing_framework_is_reported_and_skippable(zoo_registry: Any) -> None:
    with pytest.raises(FrameworkUnavailable, match="unknown framework 'torch'"):
        check_component("backbone", "resnet18", "torch")
    assert available_frameworks() == []


# -- loss parity --------------------------------------------------------------------------------------------
class _Second(NumpyFramework):
    name = "npfw2"


class _SecondPlugin:
    __name__ = "npfw2_plugin"
    scale = 1.0

    @hookimpl
    def register_frameworks(self, register: Any) -> None:
        register("npfw2", _Second, requirement="numpy")

    @hookimpl
    def register_losses(self, register: Any) -> None:
        from zoo.testing.numpy_framework import L1, l1

        register(L1, lambda: l1(self.scale), framework="npfw2")


def test_loss_parity_passes_and_catches_a_mismatch(register_plugin: Any) -> None:
    register_plugin(NumpyPlugin())
    second = _SecondPlugin()
    register_plugin(second)
    values = check_loss_parity("np_l1", frameworks=(FW, "npfw2"))
    assert values[FW] == values["npfw2"] and len(values[FW]) == 3
    second.scale = 1.001
    with pytest.raises(ConformanceError, match="differ across frameworks"):
        check_loss_parity("np_l1", frameworks=(FW, "npfw2"))
    with pytest.raises(FrameworkUnavailable, match="needs two of"):
        check_loss_parity("np_l1", frameworks=(FW, "torch"))


@pytest.mark.parametrize("loss", ["mse", "giou", "cross_entropy"])
def test_loss_parity_torch_keras(register_plugin: Any, loss: str) -> None:
    register_plugin(NumpyPlugin(), installed=("torch", "keras"))
    kit.require_framework("torch")
    kit.require_framework("keras")
    check_loss_parity(loss)

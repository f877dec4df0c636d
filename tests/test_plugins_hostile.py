"""Hostile third-party plugins (issue 11, points 6-8): a duplicate name, a second distribution
with the entry-point name 'torch', a plugin whose register_commands raises and one that calls
sys.exit() at import. None of them takes down a first-party plugin or the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zoo import plugins

HOSTILE = Path(__file__).parent / "fake_hostile"


@pytest.fixture
def hostile_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hostile distributions come first on the path, so their entry points are found first."""
    monkeypatch.syspath_prepend(str(HOSTILE))


def _load(*dists: str) -> plugins.State:
    found = [p for p in plugins.discover() if p[2].distribution in ("zoo", "zoo-torch", *dists)]
    return plugins.load_plugins(found)


def _records(state: plugins.State) -> dict[tuple[str | None, str], plugins.PluginRecord]:
    return {(r.distribution, r.name): r for r in state.records}


def test_duplicate_from_a_newcomer_is_refused_and_zoo_torch_keeps_everything(hostile_first: None) -> None:
    state = _load("zoo-dupe")
    recs = _records(state)
    torch_rec, dupe = recs[("zoo-torch", "torch")], recs[("zoo-dupe", "dupe")]
    assert torch_rec.status == "active" and "giou [torch]" in torch_rec.components["loss"]
    assert state.registry.get("loss", "giou", "torch").source.distribution == "zoo-torch"
    assert "resnet50" in state.registry.names("backbone", "torch")
    # the newcomer loses only the duplicate name, says so, and keeps the rest
    assert dupe.status == "active" and dupe.components == {"loss": ["dupe_only [torch]"]}
    assert any("giou" in r and "plugin 'torch' (zoo-torch" in r for r in dupe.refused)


def test_explicitly_preferred_plugin_wins_the_name(hostile_first: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOO_PREFER_PLUGINS", "dupe")
    state = _load("zoo-dupe")
    assert state.registry.get("loss", "giou", "torch").source.distribution == "zoo-dupe"
    torch_rec = _records(state)[("zoo-torch", "torch")]
    assert torch_rec.status == "active" and "resnet50 [torch]" in torch_rec.components["backbone"]
    assert any("giou" in r for r in torch_rec.refused)


def test_second_distribution_named_torch_does_not_knock_out_zoo_torch(hostile_first: None) -> None:
    state = _load("zoo-impostor")
    recs = _records(state)
    assert recs[("zoo-torch", "torch")].status == "active"
    assert recs[("zoo-impostor", "torch")].status == "active"
    assert recs[("zoo-impostor", "torch")].components == {"backbone": ["impostor_net [torch]"]}
    assert state.registry.get("backbone", "resnet50", "torch").source.distribution == "zoo-torch"
    assert state.registry.frameworks()["torch"].source.distribution == "zoo-torch"


def test_hint_says_when_a_provider_is_installed_but_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    from zoo.errors import UnknownNameError
    from zoo.interfaces.component import Source

    def broken() -> object:
        raise RuntimeError("torch plugin exploded")

    found = [p for p in plugins.discover() if p[0] in plugins.DEFAULT_PLUGINS]
    found.append(("torch", broken, Source("torch", "zoo-torch", "0.1.0")))
    reg = plugins.load_plugins(found).registry
    with pytest.raises(UnknownNameError) as err:
        reg.framework("torch")
    assert "installed but failed to load" in str(err.value) and "torch plugin exploded" in str(err.value)
    assert "not installed" not in str(err.value)
    with pytest.raises(UnknownNameError) as err:
        reg.get("backbone", "resnet50", "torch")
    assert "installed but failed to load" in str(err.value)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HOSTILE), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "zoo", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_raising_register_commands_and_exit_at_import_do_not_take_down_the_cli() -> None:
    out = _cli("plugins", "--json")
    assert out.returncode == 0, out.stderr
    recs = {(r["distribution"], r["name"]): r for r in json.loads(out.stdout)}
    assert recs[("zoo-rude", "rude_commands")]["status"] == "failed"
    assert "commands exploded" in recs[("zoo-rude", "rude_commands")]["error"]
    assert recs[("zoo-rude", "rude_exit")]["status"] == "failed"
    assert "SystemExit" in recs[("zoo-rude", "rude_exit")]["error"]
    assert recs[("zoo-torch", "torch")]["status"] == "active"
    assert recs[("zoo-impostor", "torch")]["status"] == "active"
    assert recs[("zoo-rude", "rude_shadow")]["status"] == "active"
    assert any("'plugins'" in r for r in recs[("zoo-rude", "rude_shadow")]["refused"])
    hello = _cli("shadow-hello")
    assert hello.returncode == 0 and "hello from the shadow plugin" in hello.stdout, hello.stderr
    listed = _cli("list", "loss", "--json")
    assert listed.returncode == 0, listed.stderr
    giou = [c for c in json.loads(listed.stdout) if c["name"] == "giou" and c["framework"] == "torch"]
    assert [c["plugin"] for c in giou] == ["torch"]


def test_among_third_party_plugins_the_earlier_installed_keeps_a_name(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for dist in ("zoo_early-1.0", "zoo_late-1.0"):
        info = tmp_path / f"{dist}.dist-info"
        info.mkdir()
        name = dist.split("-")[0]
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[zoo]\n{name} = {name}_plugin\n")
        text = (HOSTILE / "hostile_dupe.py").read_text().replace("hostile_dupe:", f"{name}_plugin:")
        (tmp_path / f"{name}_plugin.py").write_text(text)
    os.utime(tmp_path / "zoo_late-1.0.dist-info", (2e9, 2e9))  # installed later, though found first
    os.utime(tmp_path / "zoo_early-1.0.dist-info", (1e9, 1e9))
    monkeypatch.syspath_prepend(str(tmp_path))
    found = [p for p in plugins.discover() if p[2].distribution in ("zoo", "zoo-early", "zoo-late")]
    state = plugins.load_plugins(found)
    assert state.registry.get("loss", "dupe_only", "torch").source.distribution == "zoo-early"
    assert any("dupe_only" in r for r in _records(state)[("zoo-late", "zoo_late")].refused)

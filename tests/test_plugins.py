"""Plugin discovery through real entry points (a fake installed distribution), failure
isolation, blocking and strict mode."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FAKE_DIST
from zoo import plugins
from zoo.errors import PluginError


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FAKE_DIST))


def _load(**env: str) -> plugins.State:
    found = [p for p in plugins.discover() if p[2].distribution in ("zoo-fake-plugins", "zoo")]
    return plugins.load_plugins(found)


def test_entry_point_plugin_is_discovered_with_provenance(installed: None) -> None:
    state = _load()
    entry = state.registry.get("backbone", "good_net", "fakefw")
    assert entry.source.plugin == "fake_good"
    assert (entry.source.distribution, entry.source.version) == ("zoo-fake-plugins", "1.0")
    rec = {r.name: r for r in state.records}["fake_good"]
    assert rec.status == "active" and rec.components == {"backbone": ["good_net [fakefw]"]}


def test_plugin_failing_at_import_is_recorded_and_others_work(installed: None) -> None:
    state = _load()
    rec = {r.name: r for r in state.records}["fake_broken"]
    assert rec.status == "failed"
    assert "fake_broken exploded at import" in (rec.error or "")
    assert state.registry.get("backbone", "good_net", "fakefw")


def test_misspelled_hook_fails_at_load_with_suggestion(installed: None) -> None:
    rec = {r.name: r for r in _load().records}["fake_misspelled"]
    assert rec.status == "failed"
    assert "register_backbone" in rec.error and "did you mean 'register_backbones'" in rec.error


def test_plugin_failing_during_registration_is_removed_whole(installed: None) -> None:
    state = _load()
    rec = {r.name: r for r in state.records}["fake_bad_register"]
    assert rec.status == "failed" and "no_such_standard_name" in rec.error
    assert "half_net" not in state.registry.names("backbone")


def test_strict_mode_reraises(installed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOO_STRICT_PLUGINS", "1")
    with pytest.raises(RuntimeError, match="exploded"):
        _load()


def test_disable_blocks_plugins(installed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOO_DISABLE_PLUGINS", "fake_good,fake_broken")
    state = _load()
    status = {r.name: r.status for r in state.records}
    assert status["fake_good"] == status["fake_broken"] == "blocked"
    assert "good_net" not in state.registry.names("backbone")


def test_load_plugins_allow_list(installed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOO_LOAD_PLUGINS", "fake_good")
    status = {r.name: r.status for r in _load().records}
    assert status["fake_good"] == "active" and status["fake_broken"] == "blocked"
    assert status["zoo.builtin.datasets"] == "builtin"


def test_loading_is_lazy_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    plugins.reset()
    calls = []
    real = plugins.load_plugins
    monkeypatch.setattr(plugins, "load_plugins", lambda found: calls.append(1) or real(found))
    plugins.registry()
    plugins.registry()
    assert calls == [1]
    plugins.reset()


def _cli(*args: str, extra_path: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join([str(FAKE_DIST), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "zoo", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_plugins_shows_failed_plugin_and_list_still_works() -> None:
    out = _cli("plugins", "--json")
    assert out.returncode == 0, out.stderr
    recs = {r["name"]: r for r in json.loads(out.stdout)}
    assert recs["fake_broken"]["status"] == "failed" and "exploded" in recs["fake_broken"]["error"]
    assert recs["fake_good"]["version"] == "1.0"
    listed = _cli("list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert any(c["name"] == "good_net" and c["plugin"] == "fake_good" for c in json.loads(listed.stdout))


def test_duplicate_registration_names_both_sources(fake_registry) -> None:  # type: ignore[no-untyped-def]
    from zoo.interfaces.component import Source

    with pytest.raises(PluginError) as err:
        fake_registry.add("backbone", "resnet18", lambda **k: None, framework="fake", source=Source("other", "zoo-other", "2.0"))
    assert "plugin 'fake'" in str(err.value) and "plugin 'other' (zoo-other 2.0)" in str(err.value)

"""`zoo.weights.download_or_fail`: the one core step a factory takes before downloading
pretrained weights; offline and not cached it fails at once, naming what to provide."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from zoo.errors import WeightsError
from zoo.weights import download_or_fail, offline_reason

URL = "https://zoo-weights.invalid/net/model.safetensors"


@pytest.fixture(autouse=True)
def _no_offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ZOO_OFFLINE", "HF_HUB_OFFLINE", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


def test_cached_file_is_returned_without_probing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "model.safetensors"
    file.write_bytes(b"x")
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    assert download_or_fail("net", URL, cached=[None, tmp_path / "absent", file]) == file


@pytest.mark.parametrize("var", ["ZOO_OFFLINE", "HF_HUB_OFFLINE"])
def test_offline_variable_fails_at_once_naming_what_to_provide(var: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(var, "1")
    with pytest.raises(WeightsError) as err:
        download_or_fail("net", URL, cached=[tmp_path / "model.safetensors"], put=tmp_path)
    msg = str(err.value)
    assert "\n" not in msg and f"({var} is set)" in msg
    assert f"download {URL} into {str(tmp_path)!r}, or set backbone.weights=/path/to/file" in msg


def test_unreachable_host_fails_fast() -> None:
    start = time.perf_counter()
    with pytest.raises(WeightsError, match=r"zoo-weights.invalid is unreachable"):
        download_or_fail("net", URL, timeout=2.0)
    assert time.perf_counter() - start < 10  # the probe's timeout, not a downloader's minute of retries


def test_behind_a_proxy_only_the_variables_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert offline_reason(URL) is None

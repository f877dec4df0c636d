"""zoo_torch.host_memory: glibc's malloc keeps freed activations mapped (a no-op elsewhere)."""
from __future__ import annotations

import platform

import pytest

from zoo_torch.host_memory import keep_freed_memory


def test_thresholds_take_on_glibc() -> None:
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # idempotent: the framework sets it once per process

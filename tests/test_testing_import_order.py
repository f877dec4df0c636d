"""zoo.testing's pytest plugin guards the TensorFlow-before-torch import crash (see its docstring)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

BOTH = all(importlib.util.find_spec(m) is not None for m in ("torch", "torchvision", "tensorflow"))


@pytest.mark.skipif(not BOTH, reason="needs torch, torchvision and tensorflow installed")
def test_plugin_suite_importing_tensorflow_first_does_not_crash(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["zoo.testing.fixtures"]\n')
    (tmp_path / "test_a_keras.py").write_text("import tensorflow\n\n\ndef test_tf():\n"
                                              "    assert int(tensorflow.constant(1).numpy()) == 1\n")
    (tmp_path / "test_b_torch.py").write_text("import torchvision.ops\n\n\ndef test_kit(zoo_registry):\n"
                                              "    assert 'blobs' in zoo_registry.names('dataset')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.environ.get(
        "PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout


def test_guard_is_documented() -> None:
    import zoo.testing.fixtures as fixtures

    assert "imports ``torch`` and ``torchvision.ops``" in (fixtures.__doc__ or "")

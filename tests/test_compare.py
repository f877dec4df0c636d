"""``zoo compare`` (docs/cli.md): each framework trained in its own process on the same data, order
and seeds, and the report files written. A real, tiny comparison: one epoch on 64 blobs."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("torch", "tensorflow", "zoo_torch", "zoo_keras")),
    reason="zoo compare needs both framework plugins installed")]

# runs the CLI in this process, then says which frameworks this (parent) process imported
PROBE = """
import sys
from zoo.cli import _plugin_commands, cli
from zoo.cli._common import run_cli
_plugin_commands()
sys.argv = ["zoo", *sys.argv[1:]]
code = run_cli(cli)
print("HEAVY=" + ",".join(sorted(m for m in ("torch", "tensorflow", "keras") if m in sys.modules)))
sys.exit(code)
"""

TINY = ["dataset.n=64", "dataset.size=32", "input_size=32", "train.batch_size=16", "backbone.filters=[8, 16]"]


def test_compare_trains_each_framework_in_its_own_process_on_the_same_data(tmp_path: Path) -> None:
    # guards: separate processes (the parent imports no framework), the same recipe, data and order on
    # both (identical recipe.yaml and data notes), one epoch each, and report.md / report.json / curves.png
    out = tmp_path / "cmp"
    args = ["compare", "default", "--frameworks", "keras,torch", "--epochs", "1", "--out", str(out)]
    for item in TINY:
        args += ["--set", item]
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "KERAS_BACKEND": "tensorflow"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "HEAVY=\n" in done.stdout, "the comparing process imported a framework itself"
    for name in ("report.md", "report.json", "train-keras.log", "train-torch.log"):
        assert (out / name).is_file(), name
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((out / "report.json").read_text())
    assert report["frameworks"] == ["keras", "torch"] and set(report["results"]) == {"keras", "torch"}
    recipes = [yaml.safe_load((out / fw / "recipe.yaml").read_text()) for fw in ("keras", "torch")]
    assert recipes[0] == recipes[1] and recipes[0]["train"]["epochs"] == 1
    assert recipes[0]["dataset"]["n"] == 64 and recipes[0]["input_size"] in (32, [32, 32])
    keras_run, torch_run = (json.loads((out / fw / "run.json").read_text()) for fw in ("keras", "torch"))
    assert keras_run["framework"] == "keras" and torch_run["framework"] == "torch"
    assert keras_run.get("data_notes") == torch_run.get("data_notes")
    for fw in ("keras", "torch"):
        result = report["results"][fw]
        assert 0.0 <= result["iou"] <= 1.0 and result["params"] > 0 and result["n"] == torch_run_n(out)
        assert len(json.loads((out / fw / "history.json").read_text())) == 1
    text = (out / "report.md").read_text()
    assert "| test mean IoU |" in text and "keras" in text and "torch" in text


def torch_run_n(out: Path) -> int:
    """Test items of the torch run: both frameworks must have been scored on as many."""
    return int(json.loads((out / "torch" / "metrics.json").read_text())["n"])

"""run.json and metrics.json record which plugin and version provided each part; evaluate and
predict warn when what is installed now differs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zoo import plugins, runs
from zoo.predicting import predict_files
from zoo.recipes import parse
from zoo.testing.numpy_framework import FW, NumpyPlugin
from zoo.training import evaluate, train

RECIPE = parse("np", {"backbone": "np_pool", "vectorizer": "gap", "head": "box", "loss": "mse",
                      "dataset": {"name": "blobs", "n": 40, "size": 32}, "input_size": 32,
                      "train": {"epochs": 1, "batch_size": 8}})


def test_run_records_providers_and_loading_warns_on_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with plugins.use_plugins(NumpyPlugin()) as reg:
        run = train(RECIPE, FW, reg, out=tmp_path / "run", workers=0)
        recorded = runs.read_json(run / "run.json")["components"]
        assert runs.read_json(run / "metrics.json")["components"] == recorded
        assert recorded["backbone"] == {"kind": "backbone", "name": "np_pool", "plugin": "npfw_plugin",
                                        "distribution": None, "version": None}
        assert recorded["dataset"]["plugin"] == "zoo.builtin.datasets" and recorded["dataset"]["distribution"] == "zoo"
        assert recorded["framework"]["name"] == FW and set(recorded) >= {"vectorizer", "head", "loss.0"}
        capsys.readouterr()
        evaluate(run, reg, workers=0)
        assert "warning:" not in capsys.readouterr().err

        info = runs.read_json(run / "run.json")
        info["components"]["backbone"].update(distribution="zoo-np", version="0.9")
        runs.write_json(run / "run.json", info)
        evaluate(run, reg, workers=0)
        err = capsys.readouterr().err
        image = tmp_path / "x.png"
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(image)
        predict_files(run, [image], reg, tmp_path / "pred", progress=False)
        err_predict = capsys.readouterr().err
    line = ("warning: backbone 'np_pool' was provided by zoo-np 0.9 when the run was trained; installed now: "
            "npfw_plugin ?. Results may differ; install zoo-np 0.9 to reproduce them")
    assert line in err.splitlines() and line in err_predict.splitlines()

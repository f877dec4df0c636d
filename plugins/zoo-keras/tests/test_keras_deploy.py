"""Deployment of a Keras run of the default recipe: ``zoo export`` (Keras' export(format="onnx"),
onnxruntime equals Keras to 1e-4 on test images), prediction from the file without TensorFlow,
and ``backbone.weights=NAME`` from a packaged Keras model."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from zoo import runs, training
from zoo.recipes import get

pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")

TINY = ["dataset.n=64", "train.epochs=1"]


@pytest.fixture(scope="module")
def run(reg: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return training.train(get("default", overrides=TINY), "keras", reg,
                          out=tmp_path_factory.mktemp("deploy") / "run", workers=0)


def test_export_matches_keras_and_predicts_without_tensorflow(run: Path, reg: Any, tmp_path: Path) -> None:
    from zoo.export import export_run

    result = export_run(run, reg, tmp_path / "keras.onnx")
    check = runs.read_json(tmp_path / "keras.onnx.check.json")
    assert check == result.check and check["passed"] and check["framework"] == "keras"
    assert check["images"] >= 6 and check["max_abs_diff"] <= 1e-4
    image = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (70, 90, 3), dtype=np.uint8)).save(image)
    script = ("import json, sys\nfrom zoo.cli import cli, _plugin_commands\n_plugin_commands()\n"
              "cli.main(args=sys.argv[1:], standalone_mode=False)\n"
              "print('MODULES', json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('torch', 'tensorflow', 'keras', 'tf2onnx'))))\n")
    done = subprocess.run([sys.executable, "-c", script, "predict", str(tmp_path / "keras.onnx"), str(image),
                           "--out", str(tmp_path / "pred"), "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    body, modules = done.stdout.rsplit("MODULES", 1)
    assert json.loads(modules) == []
    (item,) = json.loads(body)
    assert Path(item["png"]).is_file() and (item["width"], item["height"]) == (90, 70)
    from zoo.predicting import predict_files

    (with_keras,) = predict_files(str(run), [image], reg, tmp_path / "keras-pred", progress=False)
    np.testing.assert_allclose(item["box_normalized"], with_keras["box_normalized"], atol=1e-4)


def test_backbone_weights_by_model_name_on_keras(run: Path, reg: Any, tmp_path: Path) -> None:
    from zoo.assembly import make_plan
    from zoo.testing.run_checks import installed_model

    trained = training.load_run(run, reg)[1].get_layer("backbone").get_weights()
    with installed_model(run, "blobs-keras", reg, tmp_path / "dist") as (with_model, _):
        plan = make_plan(get("default", overrides=[*TINY, "backbone.weights=blobs-keras"]), "keras", with_model)
        started = with_model.framework("keras").build(plan).get_layer("backbone").get_weights()
        from zoo.predicting import predict_files  # by name; no model.onnx in this package: Keras predicts

        image = tmp_path / "photo.png"
        Image.fromarray(np.zeros((30, 40, 3), np.uint8)).save(image)
        (by_name,) = predict_files("blobs-keras", [image], with_model, tmp_path / "pred", progress=False)
        (by_run,) = predict_files(str(run), [image], with_model, tmp_path / "pred-run", progress=False)
        assert by_name["box"] == by_run["box"] and Path(by_name["png"]).is_file()
    assert len(started) == len(trained) > 0
    for a, b in zip(started, trained):
        np.testing.assert_array_equal(a, b)


def test_a_bf16_run_exports_in_fp32(reg: Any, tmp_path: Path) -> None:
    from zoo.export import export_run

    bf16 = training.train(get("default", overrides=["dataset.n=32", "train.epochs=1", "train.precision=bf16"]),
                          "keras", reg, out=tmp_path / "run", workers=0)
    check = export_run(bf16, reg).check
    assert check["passed"] and check["max_abs_diff"] <= 1e-4

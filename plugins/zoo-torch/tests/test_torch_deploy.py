"""Deployment of a torch run of the default recipe: ``zoo export`` (onnxruntime equals torch to
1e-4), ``zoo predict`` on the .onnx with neither torch nor TensorFlow imported, ``zoo package``
installed with pip and used by name; and predict's bounded drawing, distinct outputs, directories."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from zoo import runs, training
from zoo.recipes import get
from zoo.registry import Registry

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("onnxscript")

TINY = ["dataset.n=64", "train.epochs=1"]
FRAMEWORK_MODULES = ("torch", "tensorflow", "keras", "tf2onnx", "jax")


@pytest.fixture(scope="module")
def run(reg: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return training.train(get("default", overrides=TINY), "torch", reg,
                          out=tmp_path_factory.mktemp("deploy") / "run", workers=0)


@pytest.fixture(scope="module")
def exported(run: Path, reg: Registry) -> Path:
    from click.testing import CliRunner

    from zoo.cli import cli

    result = CliRunner().invoke(cli, ["export", str(run), "--dynamic-batch", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["passed"] and report["check_path"] == str(run / "model.onnx.check.json")
    return Path(report["path"])


def _zoo(args: list[str], cwd: Path, extra_path: Path | None = None) -> tuple[dict | list, list[str]]:
    """Run the zoo CLI with `args` (--json) in a fresh interpreter: its JSON and the framework
    modules it imported."""
    script = ("import json, sys\nfrom zoo.cli import cli, _plugin_commands\n_plugin_commands()\n"
              "out = cli.main(args=sys.argv[1:], standalone_mode=False)\n"
              "print('MODULES', json.dumps(sorted(m for m in sys.modules "
              f"if m.split('.')[0] in {FRAMEWORK_MODULES})))\n")
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join([env.get("PYTHONPATH", ""), str(extra_path)])
    done = subprocess.run([sys.executable, "-c", script, *args, "--json"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    body, modules = done.stdout.rsplit("MODULES", 1)
    return json.loads(body), json.loads(modules)


def _image(path: Path, shape: tuple[int, int], seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (*shape, 3), dtype=np.uint8)).save(path)
    return path


def test_export_matches_torch_on_test_images(exported: Path, run: Path) -> None:
    import onnxruntime as ort

    check = runs.read_json(exported.with_name("model.onnx.check.json"))
    assert check["passed"] and check["framework"] == "torch" and check["dataset"] == "blobs"
    assert check["images"] >= 6 and check["max_abs_diff"] <= 1e-4
    session = ort.InferenceSession(str(exported))
    (inp,) = session.get_inputs()
    assert (inp.name, inp.type, inp.shape[1:]) == ("image", "tensor(uint8)", [64, 64, 3])
    assert isinstance(inp.shape[0], str)  # --dynamic-batch
    assert [o.name for o in session.get_outputs()] == ["box"]
    meta = json.loads(session.get_modelmeta().custom_metadata_map["zoo"])
    assert meta["input"]["size"] == [64, 64] and meta["recipe"] == "default"


def test_self_check_reports_a_model_that_differs(exported: Path, reg: Registry, run: Path) -> None:
    from zoo.export import check_batch, self_check

    plan, model, engine = training.load_run(run, reg)
    images = check_batch(plan, reg, 8)
    outputs = engine.predict(model, [images])
    assert self_check(exported, outputs, plan.encoding, images)["passed"]
    outputs.box = outputs.box + 1e-3
    report = self_check(exported, outputs, plan.encoding, images)
    assert not report["passed"] and report["max_abs_diff"] > 1e-4


def test_predict_onnx_imports_no_framework(exported: Path, run: Path, reg: Registry, tmp_path: Path) -> None:
    from zoo.predicting import predict_files

    a, b = _image(tmp_path / "a" / "same.png", (80, 100), 1), _image(tmp_path / "b" / "same.png", (50, 40), 2)
    got, modules = _zoo(["predict", str(exported), str(tmp_path / "a"), str(b), "--out", str(tmp_path / "pred")],
                        tmp_path)
    assert modules == []
    assert [r["image"] for r in got] == [str(a), str(b)]
    assert all(Path(r["png"]).is_file() for r in got) and len({r["png"] for r in got}) == 2
    assert runs.read_json(tmp_path / "pred" / "predictions.json") == got
    with_torch = predict_files(str(run), [a, b], reg, tmp_path / "torch", progress=False)
    np.testing.assert_allclose([r["box_normalized"] for r in got], [r["box_normalized"] for r in with_torch],
                               atol=1e-4)


def test_predict_keeps_same_named_images_apart(run: Path, reg: Registry, tmp_path: Path) -> None:
    from zoo.predicting import predict_files

    a, b = _image(tmp_path / "a" / "same.png", (64, 64), 1), _image(tmp_path / "b" / "same.png", (64, 64), 2)
    out = predict_files(str(run), [str(a), str(b)], reg, str(tmp_path / "pred"))
    assert len({r["png"] for r in out}) == 2 and all(Path(r["png"]).is_file() for r in out)


def test_predict_accepts_a_directory(run: Path, reg: Registry, tmp_path: Path) -> None:
    from zoo.predicting import predict_files

    folder = tmp_path / "photos"
    files = [_image(folder / f"{i}.png", (40, 30), i) for i in range(3)]
    (folder / "notes.txt").write_text("not an image")
    out = predict_files(str(run), [str(folder)], reg, str(tmp_path / "pred"))
    assert [r["image"] for r in out] == [str(f) for f in files]


def test_predict_draws_at_a_bounded_size(run: Path, reg: Registry, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from zoo.predicting import predict_files

    thin = _image(tmp_path / "thin.png", (3, 1500))
    big = tmp_path / "big.jpg"
    ramp = np.linspace(0, 255, 3000, dtype=np.uint8)
    Image.fromarray(np.stack(np.broadcast_arrays(ramp[None, :], ramp[:2400, None], ramp[None, :]), -1)).save(big)
    decoded: list[tuple[int, int]] = []
    original_load = ImageFile.ImageFile.load

    def load(self: ImageFile.ImageFile) -> object:
        result = original_load(self)
        decoded.append(self.size)
        return result

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    out = predict_files(str(run), [str(thin), str(big)], reg, str(tmp_path / "pred"))
    assert out[1]["width"] == 3000 and out[1]["height"] == 2400
    jpeg = [s for s in decoded if s != (1500, 3)]
    assert jpeg and max(max(s) for s in jpeg) <= 2 * 800  # draft mode: 1/2, 1/4 or 1/8 scale, never full size
    for r in out:
        with Image.open(r["png"]) as png:
            assert max(png.size) <= 600, png.size


def test_package_installed_lists_predicts_and_evaluates_by_name(exported: Path, run: Path, reg: Registry,
                                                               tmp_path: Path) -> None:
    from zoo.packaging import package

    root = package(run, "blobs-tiny", reg, tmp_path / "dist", data_license=None)
    card = (root / "README.md").read_text()
    assert "synthetic, generated by zoo" in card and "trained from scratch" in card and "mean IoU" in card
    target = tmp_path / "site"
    import importlib.util

    offline = ["--no-build-isolation", "--no-index"] if importlib.util.find_spec("setuptools") else []
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", *offline, "--quiet", "--target", str(target),
                    str(root)], check=True, timeout=300)
    listed, _ = _zoo(["list", "models"], tmp_path, target)
    metrics = runs.read_json(run / "metrics.json")
    (row,) = [r for r in listed if r["name"] == "blobs_tiny"]
    assert row["framework"] == "torch" and row["onnx"] and row["iou"] == metrics["iou"]
    assert row["distribution"] == "zoo-model-blobs-tiny"
    image = _image(tmp_path / "photo.png", (48, 64))
    predicted, modules = _zoo(["predict", "blobs-tiny", str(image)], tmp_path, target)
    assert modules == [] and (tmp_path / predicted[0]["png"]).is_file()  # predicted by its ONNX file
    evaluated, _ = _zoo(["evaluate", "blobs-tiny"], tmp_path, target)
    assert evaluated["iou"] == pytest.approx(metrics["iou"], abs=1e-6)


def test_backbone_weights_by_model_name_start_a_training(run: Path, reg: Registry, tmp_path: Path) -> None:
    import torch

    from zoo.assembly import make_plan
    from zoo.errors import WeightsError
    from zoo.testing.run_checks import installed_model

    trained = training.load_run(run, reg)[1]
    with installed_model(run, "blobs-start", reg, tmp_path / "dist") as (with_model, model_dir):
        plan = make_plan(get("default", overrides=[*TINY, "backbone.weights=blobs-start"]), "torch", with_model)
        assert plan.backbone.params["weights"] == str(model_dir / "backbone.safetensors")
        started = with_model.framework("torch").build(plan)
        for key, value in trained.backbone.state_dict().items():
            assert torch.equal(started.backbone.state_dict()[key].cpu(), value.cpu()), key
        with pytest.raises(WeightsError, match="has torch weights, not keras"):
            make_plan(get("default", overrides=["backbone.weights=blobs-start"]), "keras", with_model)


def test_model_card_names_the_license_of_pretrained_weights(reg: Registry) -> None:
    from zoo.assembly import make_plan
    from zoo.packaging import weights_origin

    plan = make_plan(get("default", overrides=["backbone.name=efficientnet_lite0", "backbone.weights=imagenet",
                                               "input_size=96"]), "torch", reg, check_weights=False)
    (registered,) = [w for w in reg.weights("efficientnet_lite0", "torch") if w.info.name == "imagenet"]
    line = weights_origin(plan, reg)
    assert registered.info.license in line and "imagenet weights of efficientnet_lite0" in line


def test_export_carries_the_recipes_mirrored_tta(reg: Registry, tmp_path: Path) -> None:
    from zoo import test_time
    from zoo.export import check_batch, export_run
    from zoo.monitor import decode_outputs
    from zoo.onnx_model import OnnxModel

    run = training.train(get("default", overrides=[*TINY, "test_time.hflip=true"]), "torch", reg,
                         out=tmp_path / "run", workers=0)
    result = export_run(run, reg, dynamic_batch=True)
    assert result.check["passed"] and result.check["max_abs_diff"] <= 1e-4
    onnx = OnnxModel(result.path)
    assert onnx.hflip
    plan, model, engine = training.load_run(run, reg)
    images = check_batch(plan, reg, 8)
    want, _ = decode_outputs(plan, test_time.predict(engine, model, plan, lambda: [images]))
    got, _ = onnx.run(images)
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert np.abs(onnx._run(images)[0] - want).max() > 1e-6  # one pass alone is not what it returns

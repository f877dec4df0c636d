"""`zoo.onnx_model` and `zoo predict MODEL.onnx` without any framework: a hand-built graph that
follows the export contract (its box is the image's mean brightness / 255 in every coordinate),
fixed and dynamic batches, and the one-line errors for files zoo did not export."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zoo.errors import ZooError

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def _graph(path: Path, batch: int | str, size: int = 8, metadata: bool = True) -> Path:
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Cast", ["image"], ["x"], to=TensorProto.FLOAT),
             helper.make_node("ReduceMean", ["x", "axes"], ["m"], keepdims=0),
             helper.make_node("Div", ["m", "scale"], ["u"]),
             helper.make_node("Unsqueeze", ["u", "last"], ["u1"]),
             helper.make_node("Tile", ["u1", "reps"], ["box"])]
    inits = [helper.make_tensor("axes", TensorProto.INT64, [3], [1, 2, 3]),
             helper.make_tensor("scale", TensorProto.FLOAT, [], [255.0]),
             helper.make_tensor("last", TensorProto.INT64, [1], [1]),
             helper.make_tensor("reps", TensorProto.INT64, [2], [1, 4])]
    graph = helper.make_graph(nodes, "mean_box", [helper.make_tensor_value_info("image", TensorProto.UINT8,
                                                                                [batch, size, size, 3])],
                              [helper.make_tensor_value_info("box", TensorProto.FLOAT, [batch, 4])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    if metadata:
        entry = model.metadata_props.add()
        entry.key, entry.value = "zoo", json.dumps({"input": {"size": [size, size]}, "class_names": []})
    onnx.save(model, str(path))
    return path


def _images(folder: Path, levels: list[int]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, level in enumerate(levels):
        paths.append(folder / f"{i}.png")
        Image.fromarray(np.full((20, 30, 3), level, np.uint8)).save(paths[-1])
    return paths


@pytest.mark.parametrize("batch", [1, "n"])
def test_predict_runs_the_file_in_batches(batch: int | str, tmp_path: Path) -> None:
    from zoo.predicting import predict_files

    model = _graph(tmp_path / "mean.onnx", batch)
    levels = [0, 51, 102, 204, 255]
    files = _images(tmp_path / "photos", levels)
    out = predict_files(model, [tmp_path / "photos"], out=tmp_path / "pred", batch_size=2)
    assert [r["image"] for r in out] == [str(f) for f in files]
    np.testing.assert_allclose([r["box_normalized"] for r in out], np.repeat(np.array(levels)[:, None] / 255, 4, 1),
                               atol=1e-5)
    assert out[1]["box"] == pytest.approx([6.0, 4.0, 6.0, 4.0])  # 0.2 of 30 x 20 pixels
    assert json.loads((tmp_path / "pred" / "predictions.json").read_text()) == out


def test_a_file_zoo_did_not_export_is_one_line(tmp_path: Path) -> None:
    from zoo.onnx_model import OnnxModel

    with pytest.raises(ZooError, match="no zoo metadata"):
        OnnxModel(_graph(tmp_path / "plain.onnx", 1, metadata=False))
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ZooError, match="not a loadable ONNX model") as err:
        OnnxModel(tmp_path / "junk.onnx")
    assert "\n" not in str(err.value)


def test_an_undecodable_image_is_a_counted_skip_and_the_others_are_predicted(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Guards the data rule in predict: one broken file never stops the call or loses the others."""
    from zoo.predicting import predict_files

    model = _graph(tmp_path / "mean.onnx", "n")
    files = _images(tmp_path / "photos", [0, 255])
    broken = tmp_path / "photos" / "2.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    out = predict_files(model, [tmp_path / "photos"], out=tmp_path / "pred", batch_size=4)
    assert [r["image"] for r in out if "box" in r] == [str(f) for f in files]
    assert [r["image"] for r in out if "skipped" in r] == [str(broken)]
    assert "skipped 1 of 3" in capsys.readouterr().err

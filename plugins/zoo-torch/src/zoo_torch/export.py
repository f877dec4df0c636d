"""ONNX export of a torch localizer (``torch.onnx.export``, the dynamo exporter).

The exported module wraps the localizer so the graph follows `zoo.export`'s contract: uint8
NHWC in, ``zoo.export.graph_outputs`` (decoded, clipped boxes; class probabilities) out.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from zoo.plugin import ONNX_INPUT, graph_outputs

if TYPE_CHECKING:
    from zoo.plugin import Plan


class Deployed(nn.Module):
    """uint8 RGB (N, H, W, 3) -> ``{"box": xyxy[, "probs"]}``: the localizer plus the core's decoding."""

    def __init__(self, model: nn.Module, encoding: str) -> None:
        super().__init__()
        self.model = model
        self.encoding = encoding

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        raw = self.model(image.permute(0, 3, 1, 2).to(torch.float32))
        return graph_outputs(raw, self.encoding, torch)


def export_onnx(model: nn.Module, plan: Plan, path: Path, *, opset: int, dynamic_batch: bool) -> None:
    """Write `model` (eval mode, on CPU) to `path` as ONNX with opset `opset`."""
    height, width = plan.input_size
    wrapper = Deployed(model, plan.encoding).to("cpu", memory_format=torch.contiguous_format).eval()
    example = torch.zeros(2 if dynamic_batch else 1, height, width, 3, dtype=torch.uint8)
    names = ["box", "probs"] if plan.num_classes else ["box"]
    shapes = {ONNX_INPUT: {0: torch.export.Dim("batch")}} if dynamic_batch else None
    with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
        torch.onnx.export(wrapper, (example,), str(path), input_names=[ONNX_INPUT], output_names=names,
                          opset_version=opset, dynamo=True, dynamic_shapes=shapes, external_data=False)

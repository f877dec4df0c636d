"""An exported localizer under onnxruntime: no torch, no TensorFlow.

`OnnxModel(path)` reads the ``zoo`` metadata `zoo.export` writes (input size, class names,
batch) and runs uint8 RGB NHWC batches of any length, in chunks of the file's fixed batch (the
last one padded) or whole when the batch is dynamic.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from zoo.errors import ZooError

_META = "zoo"


class OnnxModel:
    """A zoo ONNX file, ready to run on CPU (or CUDA when onnxruntime-gpu offers it);
    `threads` caps onnxruntime's intra-op threads (default: its own choice)."""

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise ZooError("onnxruntime is not installed; pip install 'zoo[onnx]'") from None
        self.path = Path(path)
        if not self.path.is_file():
            raise ZooError(f"{str(self.path)!r} does not exist; give an .onnx file written by `zoo export`")
        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
                     if p in ort.get_available_providers()]
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=providers)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ZooError(f"{self.path}: not a loadable ONNX model ({first}); "
                           f"export it again with `zoo export`") from None
        raw = self.session.get_modelmeta().custom_metadata_map.get(_META)
        if raw is None:
            raise ZooError(f"{self.path}: no zoo metadata (input size, classes); export the run with `zoo export`")
        self.meta: dict[str, Any] = json.loads(raw)
        inputs = self.session.get_inputs()
        self.input_name = inputs[0].name
        dim = inputs[0].shape[0]
        self.batch: int | None = dim if isinstance(dim, int) and dim > 0 else None
        self.output_names = [o.name for o in self.session.get_outputs()]

    @property
    def input_size(self) -> tuple[int, int]:
        h, w = self.meta["input"]["size"]
        return int(h), int(w)

    @property
    def class_names(self) -> list[str]:
        return list(self.meta.get("class_names") or [])

    @property
    def hflip(self) -> bool:
        """Whether the run's recipe asked for mirrored test-time augmentation (`zoo.test_time`)."""
        return bool((self.meta.get("test_time") or {}).get("hflip", False))

    def run(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(boxes (N, 4) normalized xyxy, probabilities (N, K) or None) for uint8 (N, H, W, 3),
        with the file's test-time augmentation (`hflip`: the mirrored pass averaged in)."""
        images = np.ascontiguousarray(images, np.uint8)
        if images.ndim != 4 or images.shape[1:] != (*self.input_size, 3):
            raise ZooError(f"{self.path}: expects uint8 images (N, {self.input_size[0]}, {self.input_size[1]}, 3), "
                           f"got {images.shape}")
        box, probs = self._run(images)
        if not self.hflip:
            return box, probs
        from zoo.test_time import average_mirrored, mirrored

        flip_box, flip_probs = self._run(next(mirrored([images])))
        box = np.clip(average_mirrored(box, flip_box), 0.0, 1.0)
        return box, None if probs is None else (probs + flip_probs) / 2

    def _run(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        step = self.batch or max(len(images), 1)
        parts: dict[str, list[np.ndarray]] = {name: [] for name in self.output_names}
        for start in range(0, len(images), step):
            chunk = images[start:start + step]
            n = len(chunk)
            if n < step:
                chunk = np.concatenate([chunk, np.zeros((step - n, *chunk.shape[1:]), np.uint8)])
            for name, value in zip(self.output_names, self.session.run(None, {self.input_name: chunk})):
                parts[name].append(np.asarray(value, np.float32)[:n])
        out = {k: np.concatenate(v) if v else np.zeros((0, 4), np.float32) for k, v in parts.items()}
        return out["box"], out.get("probs")

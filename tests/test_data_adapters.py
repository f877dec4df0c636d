"""torch DataLoader and tf.data over the same Pipeline give identical arrays (and equal numpy batches)."""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from zoo.data.pipeline import Pipeline
from zoo.datasets.synthetic import shapes
from zoo.recipes import AugmentSpec

ROOT = Path(__file__).resolve().parents[1]


def adapter(package: str, folder: str, framework: str) -> ModuleType:
    pytest.importorskip(framework)
    try:
        return importlib.import_module(f"{package}.data")
    except ImportError:
        path = ROOT / "plugins" / folder / "src" / package / "data.py"
        if not path.is_file():
            pytest.skip(f"{path} is absent")
        spec = importlib.util.spec_from_file_location(f"_{package}_data", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


def make_pipeline(augmented: bool = True) -> Pipeline:
    data = shapes(40, 48, 0.0, 0.0, 3, 4)
    augment = AugmentSpec(hflip=True, crop=0.3, jitter=0.2) if augmented else AugmentSpec()
    return Pipeline(data, np.arange(40), (32, 32), 8, shuffle=True, seed=5, augment=augment, workers=2)


def numpy_epoch(p: Pipeline, epoch: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    return [(b.images, b.boxes, b.labels) for b in p.batches(epoch)]


@pytest.mark.parametrize("augmented", [True, False], ids=["loaded", "held"])
def test_torch_and_tf_give_identical_arrays(augmented: bool) -> None:
    torch_data = adapter("zoo_torch", "zoo-torch", "torch")
    keras_data = adapter("zoo_keras", "zoo-keras", "tensorflow")
    p = make_pipeline(augmented)
    assert (p.held() is None) == augmented
    reference = numpy_epoch(p, 1)
    from_torch = [tuple(t.numpy() for t in batch) for batch in torch_data.loader(p, 1)]
    from_tf = [tuple(t.numpy() for t in batch) for batch in keras_data.dataset(p, 1)]
    assert len(reference) == len(from_torch) == len(from_tf) == 5
    for ref, t, f in zip(reference, from_torch, from_tf):
        for a, b, c in zip(ref, t, f):
            assert a.dtype == b.dtype == c.dtype
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, c)
    assert reference[0][0].shape == (8, 32, 32, 3) and reference[0][0].dtype == np.uint8
    assert reference[0][2].dtype == np.int64


def test_torch_loader_with_worker_processes_matches() -> None:
    # guards: worker processes change speed, never content: same number of batches, and equal images,
    # boxes and labels, all equal to the pipeline's own numpy batches
    torch_data = adapter("zoo_torch", "zoo-torch", "torch")
    p = make_pipeline()
    reference = numpy_epoch(p, 0)
    one = [tuple(t.numpy() for t in batch) for batch in torch_data.loader(p, 0, workers=0)]
    two = [tuple(t.numpy() for t in batch) for batch in torch_data.loader(p, 0, workers=2)]
    assert len(one) == len(two) == len(reference) == 5
    for ref, a, b in zip(reference, one, two):
        assert len(ref) == len(a) == len(b) == 3
        for r, x, y in zip(ref, a, b):
            np.testing.assert_array_equal(x, r)
            np.testing.assert_array_equal(y, r)

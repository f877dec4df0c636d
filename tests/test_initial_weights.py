"""Both frameworks start from identical initial weights (docs/recipes.md, docs/architecture.md):
the same recipe and seed, built untrained on torch and on Keras, predict the same boxes (and
class logits) for the same images; another seed starts elsewhere. Needs both framework plugins."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # torch before TensorFlow: they clash the other way round
pytest.importorskip("tensorflow")

from zoo import plugins  # noqa: E402
from zoo.assembly import make_plan  # noqa: E402
from zoo.recipes import get  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.keras]

CASES = {
    "simple_cnn-flatten-box": ["input_size=32", "backbone.filters=[8, 16]"],
    "resnet18-gap-box_class": ["input_size=32", "backbone.name=resnet18", "vectorizer=gap",
                               "head.name=box_class", "head.hidden=[16]", "dataset.name=shapes", "dataset.classes=3"],
}


def untrained_outputs(overrides: list[str], framework: str, images: np.ndarray) -> dict[str, np.ndarray]:
    reg = plugins.registry()
    recipe = get("default", overrides=overrides)
    k = 3 if recipe.head.name == "box_class" else 0
    plan = make_plan(recipe, framework, reg, num_classes=k)
    engine = reg.framework(framework)
    out = engine.predict(engine.build(plan), [images])
    return {"box": np.asarray(out.box), **({"logits": np.asarray(out.logits)} if out.logits is not None else {})}


@pytest.mark.parametrize("case", sorted(CASES))
def test_both_frameworks_start_from_identical_weights(case: str) -> None:
    # guards: the shared initial weights (zoo.initial_weights) reach every hand-written part on both frameworks
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    overrides = CASES[case]
    t = untrained_outputs([*overrides, "train.seed=7"], "torch", images)
    k = untrained_outputs([*overrides, "train.seed=7"], "keras", images)
    assert set(t) == set(k)
    for key in t:
        np.testing.assert_allclose(t[key], k[key], atol=1e-4, rtol=1e-4, err_msg=key)
    other = untrained_outputs([*overrides, "train.seed=8"], "torch", images)
    assert np.abs(other["box"] - t["box"]).max() > 1e-4  # the seed draws them: not a constant start


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_a_sigmoid_corner_head_starts_at_a_box_with_area(framework: str) -> None:
    """A sigmoid xyxy head's output bias starts at the centred box `START_BOX`, not at the
    zero-area point (0.5, 0.5, 0.5, 0.5) where GIoU has no gradient: with the dense weights
    zeroed, every image predicts exactly START_BOX; a cxcywh head keeps its zero bias."""
    from zoo.initial_weights import START_BOX

    reg = plugins.registry()
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    engine = reg.framework(framework)
    for encoding, want in (("xyxy", START_BOX), ("cxcywh", (0.5, 0.5, 0.5, 0.5))):
        plan = make_plan(get("default", overrides=["input_size=32", f"head.encoding={encoding}"]), framework, reg)
        model = engine.build(plan)
        head = model.head if framework == "torch" else model.get_layer("head")
        if framework == "torch":
            with torch.no_grad():
                head.box[-1].weight.zero_()
        else:
            dense = [layer for layer in head._flatten_layers() if hasattr(layer, "kernel")][-1]  # noqa: SLF001
            dense.kernel.assign(np.zeros(dense.kernel.shape, np.float32))
        box = np.asarray(engine.predict(model, [images]).box)
        np.testing.assert_allclose(box, np.tile(want, (3, 1)), atol=1e-6, err_msg=encoding)

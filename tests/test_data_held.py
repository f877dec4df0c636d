"""A held split (zoo.data.held) gives exactly the batches of loading every item, loads each once."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from zoo.data.held import HOLD_ENV, hold_budget
from zoo.data.pipeline import Pipeline
from zoo.datasets.synthetic import shapes
from zoo.errors import ZooError
from zoo.recipes import AugmentSpec


class Counting:
    """A dataset that counts its loads."""

    def __init__(self, data: object) -> None:
        self.data, self.loads = data, 0

    def __getattr__(self, name: str) -> object:
        if name == "data":  # while unpickling
            raise AttributeError(name)
        return getattr(self.data, name)

    def load(self, index: int, size: tuple[int, int] | None = None) -> object:
        self.loads += 1
        return self.data.load(index, size)  # type: ignore[attr-defined]


def pipeline(hold: int | None, **kwargs: object) -> Pipeline:
    data = shapes(50, 40, 0.0, 0.0, 3, 2)
    args: dict[str, object] = {"shuffle": True, "seed": 3, "workers": 2, **kwargs}
    return Pipeline(Counting(data), np.arange(3, 40), (24, 24), 8, hold=hold, **args)  # type: ignore[arg-type]


def epochs(p: Pipeline, n: int = 3) -> list[tuple[np.ndarray, ...]]:
    return [(b.images, b.boxes, b.labels, np.float32(b.weight)) for e in range(n) for b in p.batches(e)]


def assert_same(a: list[tuple[np.ndarray, ...]], b: list[tuple[np.ndarray, ...]]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        for u, v in zip(x, y):
            assert u.dtype == v.dtype
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("kwargs", [{}, {"steps_per_epoch": 11}, {"drop_last": True}, {"shuffle": False}])
def test_held_batches_equal_loaded_ones_and_load_each_item_once(kwargs: dict[str, object]) -> None:
    held, loaded = pipeline(None, **kwargs), pipeline(0, **kwargs)
    assert held.held() is not None and loaded.held() is None
    assert_same(epochs(held), epochs(loaded))
    assert held.dataset.loads == 37  # type: ignore[attr-defined]
    assert loaded.dataset.loads == 3 * loaded.items_per_epoch  # type: ignore[attr-defined]


def test_held_rows_give_each_ranks_batches_with_padding_and_weights(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # 37 items in batches of 8 on 6 ranks: the last global batch (5 items) leaves rank 5 a padding item
    monkeypatch.setenv("ZOO_SEEN_LOG", str(tmp_path / "held"))
    held = [pipeline(None).sharded(r, 6) for r in range(6)]
    monkeypatch.setenv("ZOO_SEEN_LOG", str(tmp_path / "loaded"))
    loaded = [pipeline(0).sharded(r, 6) for r in range(6)]
    last = []
    for h, lo in zip(held, loaded):
        rows = h.held_rows(1)
        arrays = h.held()
        assert rows is not None and arrays is not None
        batches = list(lo.batches(1))
        assert [w for _, w in rows] == [b.weight for b in batches] == [p.weight for p in lo.local_batches(1)]
        for (r, _), b in zip(rows, batches):
            np.testing.assert_array_equal(arrays.images[r], b.images)
            np.testing.assert_array_equal(arrays.boxes[r], b.boxes)
        last.append(rows[-1][1])
    assert last[-1] == 0.0 < min(last[:-1])
    for r in range(6):
        seen = sorted((tmp_path / f"held.rank{r}").read_text().splitlines())
        assert seen == sorted((tmp_path / f"loaded.rank{r}").read_text().splitlines()) and seen


def test_views_share_the_held_items_and_pickles_do_not_carry_them() -> None:
    p = pipeline(None)
    assert p.sharded(1, 2).held() is p.held()
    assert p.eval_shard(0, 2).held() is not p.held()
    copy = pickle.loads(pickle.dumps(p))
    assert copy._held == {}
    np.testing.assert_array_equal(copy.held().images, p.held().images)  # type: ignore[union-attr]
    assert not p.held().images.flags.writeable  # type: ignore[union-attr]


def test_augmented_empty_and_over_budget_splits_are_not_held(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pipeline(None, augment=AugmentSpec(hflip=True)).held() is None
    assert pipeline(37 * 24 * 24 * 3 - 1).held() is None
    assert pipeline(37 * 24 * 24 * 3).held() is not None
    assert pipeline(None).eval_shard(39, 40).held() is None  # no items
    monkeypatch.setenv(HOLD_ENV, "0")
    assert pipeline(None).held() is None
    monkeypatch.setenv(HOLD_ENV, "0.5")
    assert hold_budget() == 1 << 19
    monkeypatch.setenv(HOLD_ENV, "lots")
    with pytest.raises(ZooError, match=r"ZOO_HOLD_MB='lots' is not a size: give megabytes >= 0"):
        hold_budget()


def test_summary_names_the_held_splits_and_counts_shared_ones_once() -> None:
    from zoo.data.held import summary

    train, val = pipeline(None), pipeline(None, shuffle=False)
    line = summary({"train": train, "val": val, "test": val})
    mb = 2 * 37 * 24 * 24 * 3 / 2**20
    assert line == (f"held in memory, decoded once: train 37, val 37, test 37 items ({mb:,.1f} MB of images; "
                    "ZOO_HOLD_MB=0 holds nothing)")
    assert summary({"train": pipeline(None, augment=AugmentSpec(hflip=True)), "val": pipeline(0)}) is None
    assert train.holds and train._held == {}  # known without loading


def test_prepare_data_gives_val_and_test_one_pipeline_when_the_data_has_no_test_split() -> None:
    import zoo
    from zoo.evaluation import prepare_data

    recipe = zoo.get_recipe("default")
    data = prepare_data(recipe, shapes(200, 32, 0.1, 0.0, 3, 3))
    assert data.test is data.val
    with_test = prepare_data(recipe, shapes(200, 32, 0.1, 0.1, 3, 3))
    assert with_test.test is not with_test.val


@pytest.mark.parametrize("workers", [0, 2])
def test_holding_a_split_never_keeps_its_images_twice(workers: int) -> None:
    """Each item is written into its row of one array: the peak is the split plus a few items,
    not the decoded items and their stacked copy."""
    import tracemalloc

    p = Pipeline(shapes(400, 32, 0.0, 0.0, 3, 2), np.arange(400), (32, 32), 16, workers=workers)
    tracemalloc.start()
    try:
        held = p.held()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held is not None and held.images.shape == (400, 32, 32, 3) and not held.images.flags.writeable
    assert peak < 1.3 * p.image_bytes, f"peak {peak:,} B for {p.image_bytes:,} B of images"

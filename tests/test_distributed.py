"""The distributed rules of the core (`zoo.distributed`): world discovery from the launchers'
environment, the sharding of global batches by rank, evaluation chunks. No framework needed."""
from __future__ import annotations

import json

import numpy as np
import pytest

from zoo import distributed
from zoo.data.pipeline import Pipeline
from zoo.errors import ZooError
from zoo.interfaces.dataset import Dataset, Sample


def test_world_alone_without_launcher() -> None:
    world = distributed.world({})
    assert (world.rank, world.size, world.chief, world.distributed) == (0, 1, True, False)


def test_world_from_torchrun_environment() -> None:
    env = {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2",
           "TORCHELASTIC_RESTART_COUNT": "1"}
    world = distributed.world(env)
    assert (world.rank, world.size, world.local_rank, world.local_size, world.restart) == (3, 4, 1, 2, 1)
    assert world.launcher == "torchrun" and not world.chief and world.distributed


def test_world_from_tf_config() -> None:
    config = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2", "10.0.0.2:3"]}, "task": {"type": "worker", "index": 1}}
    world = distributed.world({"TF_CONFIG": json.dumps(config)})
    assert (world.rank, world.size, world.local_rank, world.local_size) == (1, 3, 1, 2)
    chief = {"cluster": {"chief": ["a:1"], "worker": ["b:2"]}, "task": {"type": "chief", "index": 0}}
    assert distributed.world({"TF_CONFIG": json.dumps(chief)}).chief


@pytest.mark.parametrize("env", [{"RANK": "2", "WORLD_SIZE": "2"}, {"RANK": "x", "WORLD_SIZE": "2"},
                                 {"TF_CONFIG": "{not json"},
                                 {"TF_CONFIG": json.dumps({"cluster": {"worker": ["a:1"]},
                                                           "task": {"type": "worker", "index": 5}})}])
def test_malformed_launcher_environment_is_one_line(env: dict[str, str]) -> None:
    with pytest.raises(ZooError) as err:
        distributed.world(env)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("n,size", [(32, 2), (33, 2), (31, 3), (1, 2), (5, 8)])
def test_split_batch_gives_every_position_to_exactly_one_rank(n: int, size: int) -> None:
    batch = np.arange(100, 100 + n)
    parts = [distributed.split_batch(batch, r, size) for r in range(size)]
    real = [p for p in parts if p.weight > 0]
    assert np.array_equal(np.concatenate([p.positions for p in real]), batch)  # rank order = global order
    assert sum(p.weight for p in parts) == pytest.approx(1.0)
    assert max(len(p.positions) for p in real) - min(len(p.positions) for p in real) <= 1
    for p in parts:
        if p.weight == 0:  # fewer items than ranks: padding, the batch's first item encoded negative
            assert list(p.positions) == [-(100 + 1)]


class _Counting(Dataset):
    """n items whose label is their index (images are not looked at here)."""

    name = "counting"

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def load(self, index: int, size: tuple[int, int]) -> Sample:
        return Sample(np.zeros((*size, 3), np.uint8), np.array([0.1, 0.1, 0.9, 0.9], np.float32), index)

    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        return np.tile(np.array([0.1, 0.1, 0.9, 0.9], np.float32), (self.n, 1)), np.arange(self.n)

    def splits(self) -> dict[str, np.ndarray]:
        return {"train": np.arange(self.n)}


@pytest.mark.parametrize("size", [2, 3])
def test_sharded_pipeline_sees_each_item_once_per_epoch_as_world_one(size: int) -> None:
    pipe = Pipeline(_Counting(45), np.arange(45), (4, 4), 8, shuffle=True, seed=3)
    for epoch in range(2):
        alone = [b.labels for b in pipe.batches(epoch)]
        ranks = [list(pipe.sharded(r, size).batches(epoch)) for r in range(size)]
        assert len({len(r) for r in ranks}) == 1  # every rank takes the same number of steps
        for step, whole in enumerate(alone):
            parts = [r[step] for r in ranks if r[step].weight > 0]
            assert np.array_equal(np.concatenate([p.labels for p in parts]), whole)
        seen = np.concatenate([b.labels for r in ranks for b in r if b.weight > 0])
        assert sorted(seen) == list(range(45))
    # the order depends only on (seed, epoch): a rebuilt pipeline shards alike
    again = Pipeline(_Counting(45), np.arange(45), (4, 4), 8, shuffle=True, seed=3).sharded(1, size)
    assert all(np.array_equal(a.labels, b.labels) for a, b in zip(again.batches(1), pipe.sharded(1, size).batches(1)))


def test_seen_log_records_loaded_items_without_padding(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(distributed.SEEN_LOG, str(tmp_path / "seen"))
    pipe = Pipeline(_Counting(9), np.arange(9), (4, 4), 4, shuffle=True, seed=0)  # last batch: 1 item for 2 ranks
    for r in range(2):
        list(pipe.sharded(r, 2).batches(0))
    lines = [line for r in range(2) for line in (tmp_path / f"seen.rank{r}").read_text().split("\n") if line]
    assert sorted(int(line.split()[1]) for line in lines) == list(range(9))


def test_eval_chunks_concatenate_to_the_split() -> None:
    indices = np.arange(10, 27)
    chunks = [distributed.eval_indices(indices, r, 4) for r in range(4)]
    assert np.array_equal(np.concatenate(chunks), indices)
    pipe = Pipeline(_Counting(30), indices, (4, 4), 5)
    assert np.array_equal(np.concatenate([pipe.eval_shard(r, 4).indices for r in range(4)]), indices)


def test_free_ports_are_distinct() -> None:
    ports = distributed.free_ports(3)
    assert len(set(ports)) == 3 and all(p > 0 for p in ports)


@pytest.mark.parametrize("value,threads", [("3", 3), (" 2 ", 2), ("4,2", 4)])
def test_cpu_threads_follow_an_explicit_omp_num_threads(monkeypatch, value: str, threads: int) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    assert distributed.cpu_threads() == threads
    assert distributed.cpu_threads(local_size=8) == threads  # per process, as OpenMP reads it


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_omp_num_threads_is_one_line(monkeypatch, value: str) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    with pytest.raises(ZooError, match=f"OMP_NUM_THREADS={value!r} is not a positive integer") as err:
        distributed.cpu_threads()
    assert "\n" not in str(err.value)


def test_cpu_threads_share_the_affinity_among_local_processes(monkeypatch) -> None:
    import os

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert distributed.cpu_threads() == 4 and distributed.cpu_threads(local_size=2) == 2
    assert distributed.cpu_threads(local_size=8) == 1

"""The neutral pipeline both frameworks feed from, so they see identical arrays.

`Pipeline.item(epoch, position)` is a pure function of (dataset, seed, epoch, position): the
torch DataLoader and the tf.data adapters both call it, and `batches(epoch)` is the plain numpy
path. Images are RGB uint8 (H, W, 3) at the recipe's input size; boxes normalized xyxy float32.

On several processes (`zoo.distributed`), `sharded(rank, size)` gives each rank its view of the
train pipeline: the same global order, and `local_batches(epoch)` yields only the rank's part of
each global batch, so both frameworks' adapters, which iterate `local_batches`, see the same items
per rank.

A split whose items are fixed (no augmentation) and fit the hold budget is loaded once and held
(`held`, `zoo.data.held`): its batches are gathers from memory, and `held_rows` gives a
framework each batch's rows so it can feed an epoch without Python per batch.
"""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
import copy
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo import distributed
from zoo.data.held import Held, hold_budget, load_all
from zoo.interfaces.dataset import Dataset
from zoo.recipes import AugmentSpec


_CACHE_LOCK = threading.Lock()
_HOLD_LOCK = threading.Lock()


@dataclass
class Batch:
    images: np.ndarray  # (B, H, W, 3) uint8
    boxes: np.ndarray   # (B, 4) float32 normalized xyxy
    labels: np.ndarray  # (B,) int64, -1 without classes
    weight: float = 1.0  # share of the global batch (zoo.distributed.LocalBatch)


class Pipeline:
    """Batches of one split.

    Args:
        dataset: the neutral dataset.
        indices: dataset indices of this split.
        size: (H, W) images are resized to.
        batch_size: items per batch; the last batch may be smaller unless ``drop_last``.
        shuffle: a new seeded permutation every epoch.
        seed: seeds the order and the augmentation.
        augment: box-preserving augmentation (training only).
        steps_per_epoch: batches per epoch; 0 = one pass over `indices`.
        workers: threads decoding images (0 = in the calling thread).
        hold: bytes of images this split may hold in memory (`held`); None = ``ZOO_HOLD_MB``.
    """

    def __init__(self, dataset: Dataset, indices: np.ndarray, size: tuple[int, int], batch_size: int, *,
                 shuffle: bool = False, seed: int = 0, augment: AugmentSpec | None = None,
                 steps_per_epoch: int = 0, drop_last: bool = False, workers: int = 0,
                 hold: int | None = None) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, np.int64)
        if len(self.indices) == 0:
            raise ValueError("a pipeline needs at least one item")
        self.size = (int(size[0]), int(size[1]))
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = int(seed)
        self.augment = augment or AugmentSpec()
        self.steps_per_epoch = int(steps_per_epoch)
        self.drop_last = drop_last
        self.workers = workers
        self._orders: dict[Any, Any] = {}  # epoch -> order (and its parts), so item() by position is O(1)
        self.rank, self.world_size = 0, 1
        self._seen_log: Path | None = None
        self.hold = hold_budget() if hold is None else int(hold)
        # "items": the held split, "row_of": its row of each dataset index; shared by `sharded` views
        self._held: dict[str, Any] = {}

    def sharded(self, rank: int, size: int) -> Pipeline:
        """This pipeline as rank `rank` of `size` trains on it: the same global order and global
        batches, `local_batches` yielding the rank's parts (`zoo.distributed.split_batch`). With
        ``ZOO_SEEN_LOG=PREFIX`` set, the items it loads are appended to ``PREFIX.rank<rank>``."""
        view = copy.copy(self)
        view.rank, view.world_size = int(rank), int(size)
        prefix = os.environ.get(distributed.SEEN_LOG)
        view._seen_log = Path(f"{prefix}.rank{rank}") if prefix else None
        return view

    def eval_shard(self, rank: int, size: int) -> Pipeline:
        """A pipeline over rank `rank`'s contiguous chunk of this (evaluation) split; the chunks'
        outputs concatenated in rank order follow `indices` (`zoo.distributed.eval_indices`)."""
        view = copy.copy(self)
        chunk = distributed.eval_indices(self.indices, rank, size)
        view.indices = chunk if len(chunk) else self.indices[:0]
        view._orders = {}
        view._held = {}
        return view

    def __copy__(self) -> Pipeline:  # a view: shares the caches (`copy.copy` would use __getstate__)
        view = Pipeline.__new__(Pipeline)
        view.__dict__.update(self.__dict__)
        return view

    def __getstate__(self) -> dict[str, Any]:  # pickled to DataLoader workers: they load items, never hold
        state = dict(self.__dict__)
        state["_held"] = {}
        return state

    def local_batches(self, epoch: int) -> list[distributed.LocalBatch]:
        """This rank's part of every global batch of `epoch`, in order (all of each at world size 1;
        computed once per epoch, as `order`)."""
        key = ("parts", epoch, self.rank, self.world_size)
        cached = self._orders.get(key)
        if cached is None:
            n = self.items_per_epoch
            cached = [distributed.split_batch(np.arange(start, min(start + self.batch_size, n)), self.rank,
                                              self.world_size) for start in range(0, n, self.batch_size)]
            self._remember(key, cached)
        return cached

    @property
    def items_per_epoch(self) -> int:
        if self.steps_per_epoch:
            return self.steps_per_epoch * self.batch_size
        n = len(self.indices)
        return (n // self.batch_size) * self.batch_size if self.drop_last and n >= self.batch_size else n

    def __len__(self) -> int:
        return -(-self.items_per_epoch // self.batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """Dataset indices of every position of `epoch` (computed once per epoch, kept for the
        last few epochs: adapters call `item` position by position)."""
        cached = self._orders.get(epoch)
        if cached is not None:
            return cached
        order = self._make_order(epoch)
        order.setflags(write=False)
        self._remember(epoch, order)
        return order

    def _remember(self, key: Any, value: Any) -> None:
        with _CACHE_LOCK:  # adapters load batches from several threads
            if len(self._orders) >= 8:
                self._orders.pop(next(iter(self._orders)), None)
            self._orders[key] = value

    def _make_order(self, epoch: int) -> np.ndarray:
        n = self.items_per_epoch
        reps = -(-n // len(self.indices))
        chunks = []
        for r in range(reps):
            idx = self.indices
            if self.shuffle:
                idx = np.random.default_rng([self.seed, epoch, r]).permutation(idx)
            chunks.append(idx)
        return np.concatenate(chunks)[:n]

    def item(self, epoch: int, position: int, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
        """(image, box, label) at `position` of `epoch`, augmented when training. A negative
        position ``-(p + 1)`` is padding (`zoo.distributed.split_batch`): item p, not logged as seen."""
        padding = position < 0
        position = -position - 1 if padding else position
        index = int((order if order is not None else self.order(epoch))[position])
        if not padding:
            self._log_seen(epoch, [index])
        sample = self.dataset.load(index, self.size)
        image, box = sample.image, np.asarray(sample.box, np.float32)
        if self.augment != AugmentSpec():
            from zoo.data.augment import augment

            rng = np.random.default_rng([self.seed, epoch, position, 1])
            image, box = augment(image, box, self.augment, rng)
        return image, box, int(sample.label)

    @property
    def image_bytes(self) -> int:
        """Bytes of this split's images at the input size, as uint8 RGB."""
        return len(self.indices) * self.size[0] * self.size[1] * 3

    @property
    def holds(self) -> bool:
        """Whether this split is held (`held`), known without loading it: its items are fixed
        (no augmentation) and their images take at most `hold` bytes."""
        return self.augment == AugmentSpec() and 0 < self.image_bytes <= self.hold

    def held(self) -> Held | None:
        """Every item of this split, un-augmented, in `indices` order, loaded on first call (by
        `workers` threads) and kept; None when the split is not held (`holds`). Views made by
        `sharded` share it."""
        if not self.holds:
            return None
        with _HOLD_LOCK:
            held = self._held.get("items")
            if held is None:
                held = self._held["items"] = load_all(lambda i: self.dataset.load(i, self.size), self.indices,
                                                         self.size, self.workers)
        return held

    def held_rows(self, epoch: int) -> list[tuple[np.ndarray, float]] | None:
        """This rank's batches of `epoch` as (rows of the `held` arrays, weight), in order; None
        when the split is not held. With ``ZOO_SEEN_LOG`` set the epoch's items are logged here,
        as `item` logs the items it loads."""
        if self.held() is None:
            return None
        rows = self._rows(epoch)
        for batch in rows:
            self._log_seen(epoch, batch[2])
        return [(r, w) for r, w, _ in rows]

    def _rows(self, epoch: int) -> list[tuple[np.ndarray, float, np.ndarray]]:
        """(rows, weight, dataset indices of the non-padding items) of each local batch of `epoch`."""
        key = ("rows", epoch, self.rank, self.world_size)
        cached = self._orders.get(key)
        if cached is not None:
            return cached
        with _HOLD_LOCK:
            row_of = self._held.get("row_of")
            if row_of is None:
                row_of = np.zeros(int(self.indices.max()) + 1, np.int64)
                row_of[self.indices[::-1]] = np.arange(len(self.indices))[::-1]  # an index's first row
                self._held["row_of"] = row_of
        order = self.order(epoch)
        cached = []
        for part in self.local_batches(epoch):
            positions = np.asarray(part.positions, np.int64)
            real = positions >= 0
            indices = order[np.where(real, positions, -positions - 1)]
            cached.append((row_of[indices], float(part.weight), indices[real]))
        self._remember(key, cached)
        return cached

    def _log_seen(self, epoch: int, indices: Any) -> None:
        if self._seen_log is not None and len(indices):
            with open(self._seen_log, "a") as log:
                log.writelines(f"{epoch} {int(i)}\n" for i in indices)

    def batches(self, epoch: int = 0) -> Iterator[Batch]:
        """Numpy batches of `epoch` (this rank's parts of them when sharded), in order."""
        pool = ThreadPoolExecutor(self.workers) if self.workers > 0 else None
        try:
            for k in range(len(self.local_batches(epoch))):
                yield self.batch(epoch, k, pool)
        finally:
            if pool:
                pool.shutdown()

    def batch(self, epoch: int, k: int, pool: ThreadPoolExecutor | None = None) -> Batch:
        """This rank's part of batch `k` of `epoch`: a gather from the `held` arrays when the split
        is held, else its items loaded in order, by `pool`'s threads when given: one task per
        thread's run of consecutive items, not one per item (a task costs about 30 us, ten times
        what a blobs item takes to make)."""
        held = self.held()
        if held is not None:
            rows, weight, seen = self._rows(epoch)[k]
            self._log_seen(epoch, seen)
            return Batch(held.images[rows], held.boxes[rows], held.labels[rows], weight)
        order = self.order(epoch)
        part = self.local_batches(epoch)[k]
        positions = [int(p) for p in part.positions]
        if pool is None or len(positions) < 2:
            items = [self.item(epoch, p, order) for p in positions]
        else:
            chunks = [c for c in np.array_split(positions, min(max(1, self.workers), len(positions))) if len(c)]
            items = [item for chunk in pool.map(lambda c: [self.item(epoch, int(p), order) for p in c], chunks)
                     for item in chunk]
        batch = collate(items)
        batch.weight = part.weight
        return batch

    def images(self, epoch: int = 0) -> Iterator[np.ndarray]:
        for batch in self.batches(epoch):
            yield batch.images

    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        """Un-augmented (boxes, labels) of this split's indices, in index order."""
        boxes, labels = self.dataset.targets()
        return boxes[self.indices], labels[self.indices]


def collate(items: list[tuple[np.ndarray, np.ndarray, int]]) -> Batch:
    return Batch(np.stack([i[0] for i in items]), np.stack([i[1] for i in items]).astype(np.float32),
                 np.array([i[2] for i in items], np.int64))

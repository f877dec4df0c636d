"""The distributed rules, once for every framework: who this process is, which items it trains on.

A run on several processes is started by the framework's own launcher (``torchrun`` /
``torch.distributed.run`` for torch, a ``TF_CONFIG`` per process for Keras'
``MultiWorkerMirroredStrategy``); this module only reads what they put in the environment:

* torchrun: ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``TORCHELASTIC_RESTART_COUNT``;
* Keras: ``TF_CONFIG`` = ``{"cluster": {"worker": [host:port, ...]}, "task": {"type": "worker", "index": i}}``
  (a ``chief`` job counts as rank 0, before the workers).

Rules (docs/distributed.md):

* the recipe's ``batch_size`` is the GLOBAL batch. An epoch's order is the world-size-1 order
  (a function of seed and epoch only); each global batch is cut into ``world`` contiguous parts
  (`split_batch`), part ``r`` for rank ``r``, so every item is trained on once per epoch by
  exactly one process and concatenating the parts in rank order gives the global batch back;
* a part's loss is weighted by its share of the global batch (`LocalBatch.weight`), so that the
  averaged (torch DDP) or summed (tf.distribute) gradient is the gradient of the global batch mean;
* rank 0 (the chief) alone writes the run directory; evaluation covers the whole split.
"""
from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass

import numpy as np

from zoo.errors import ZooError

#: environment variable naming a file prefix: train pipelines append the items they load to
#: ``PREFIX.rank<R>`` (one ``epoch index`` line per item), for counting tests
SEEN_LOG = "ZOO_SEEN_LOG"


@dataclass(frozen=True)
class World:
    """This process's place in a run: ``rank`` of ``size`` processes, ``local_rank`` of
    ``local_size`` on this machine (its device index), ``restart`` the launcher's restart count."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    local_size: int = 1
    launcher: str = "single"
    restart: int = 0

    @property
    def distributed(self) -> bool:
        return self.size > 1

    @property
    def chief(self) -> bool:
        """Whether this process writes the run directory (rank 0)."""
        return self.rank == 0


def _int(env: dict[str, str], key: str, default: int) -> int:
    value = env.get(key, "")
    try:
        return int(value) if value != "" else default
    except ValueError:
        raise ZooError(f"{key}={value!r} is not an integer; the launcher sets it (unset it to run alone)") from None


def world(env: dict[str, str] | None = None) -> World:
    """The `World` described by the launcher's environment (`env`, default ``os.environ``): torchrun's
    variables first, then ``TF_CONFIG``, else one process. ZooError (one line) when they are malformed."""
    env = dict(os.environ if env is None else env)
    if "WORLD_SIZE" in env and "RANK" in env:
        size, rank = _int(env, "WORLD_SIZE", 1), _int(env, "RANK", 0)
        if size < 1 or not 0 <= rank < size:
            raise ZooError(f"RANK={rank} WORLD_SIZE={size}: need 0 <= RANK < WORLD_SIZE; start with torchrun")
        local_size = _int(env, "LOCAL_WORLD_SIZE", size)
        return World(rank, size, _int(env, "LOCAL_RANK", rank % max(local_size, 1)), local_size, "torchrun",
                     _int(env, "TORCHELASTIC_RESTART_COUNT", 0))
    if env.get("TF_CONFIG"):
        return _tf_config_world(env["TF_CONFIG"])
    return World()


def _tf_config_world(text: str) -> World:
    try:
        config = json.loads(text)
        cluster, task = config["cluster"], config["task"]
        members = [(kind, i, addr) for kind in ("chief", "worker") for i, addr in enumerate(cluster.get(kind, []))]
        rank = [(k, i) for k, i, _ in members].index((task["type"], int(task["index"])))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ZooError("TF_CONFIG is not {\"cluster\": {\"worker\": [\"host:port\", ...]}, \"task\": {\"type\": "
                       "\"worker\", \"index\": i}} with the task among the cluster's workers; fix or unset it") from None
    host = members[rank][2].rsplit(":", 1)[0]
    local = [i for i, (_, _, addr) in enumerate(members) if addr.rsplit(":", 1)[0] == host]
    return World(rank, len(members), local.index(rank), len(local), "tf_config")


@dataclass(frozen=True)
class LocalBatch:
    """One rank's part of a global batch: epoch `positions`, and `weight`, the part's share of
    the global batch (``len(positions) / len(global batch)``; 0 for a padding part)."""

    positions: np.ndarray
    weight: float


def split_batch(positions: np.ndarray, rank: int, size: int) -> LocalBatch:
    """Rank `rank`'s contiguous part of the global batch `positions` (parts differ by at most one
    item). A global batch smaller than `size` leaves some ranks without items: they get the
    batch's first position ENCODED AS PADDING (``-(p + 1)``, see `Pipeline.item`) with weight 0,
    so every rank still takes the step together and the gradient is unchanged."""
    positions = np.asarray(positions, np.int64)
    part = np.array_split(positions, size)[rank]
    if len(part) == 0:
        return LocalBatch(np.array([-(int(positions[0]) + 1)], np.int64), 0.0)
    return LocalBatch(part, len(part) / len(positions))


def eval_indices(indices: np.ndarray, rank: int, size: int) -> np.ndarray:
    """Rank `rank`'s contiguous chunk of an evaluation split; concatenated in rank order they
    are `indices` again (so gathered outputs line up with the split's targets)."""
    return np.array_split(np.asarray(indices, np.int64), size)[rank]


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """`n` distinct TCP ports free on `host` now (the OS picks them)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def cpu_threads(local_size: int = 1) -> int:
    """Intra-op CPU threads for this process: ``OMP_NUM_THREADS`` when set (the first value of a
    list such as ``4,2``), else this process's CPU affinity shared among the `local_size`
    processes of its machine. Setting it lets a user under contention cut threads: a framework
    spin-waiting on more threads than it gets cores runs several times slower. ZooError (one line)
    on a value that is not a positive integer."""
    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    if raw:
        first = raw.split(",")[0].strip()
        if not first.isdigit() or int(first) < 1:
            raise ZooError(f"OMP_NUM_THREADS={raw!r} is not a positive integer; set it to the threads each "
                           f"process may use (e.g. OMP_NUM_THREADS=1) or unset it to use every core available")
        return int(first)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, local_size))


def threads_per_process(world_: World, cores: int) -> int:
    """CPU threads each process should use so the processes of one machine share its cores."""
    return max(1, cores // max(1, world_.local_size))

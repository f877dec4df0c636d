"""Several processes or GPUs on TensorFlow's own engine, tf.distribute.

* ``--nproc N`` / a ``TF_CONFIG`` per process: `MultiWorkerMirroredStrategy` (one replica per
  process on CPU, or per GPU of each process);
* one process, several GPUs: `MirroredStrategy` over them;
* otherwise no strategy (Keras' default).

Each replica trains on its part of every global batch by the core's rule
(`zoo.distributed.split_batch`, replica ``r`` of ``R`` as rank ``r`` of ``R``), fed through
``distribute_datasets_from_function`` so tf.distribute neither auto-shards nor re-batches
(auto-shard policy OFF in effect). tf.distribute SUMS the replicas' gradients, so each
replica's loss is weighted by its share of the global batch (`zoo_keras.model.Localizer`).

Keras 3 (checked on 3.15 with TF 2.21) cannot ``fit`` under MultiWorkerMirroredStrategy as
shipped: its symbolic build reduces a data batch with ``strategy.reduce`` (ValueError: Attempt to
convert a value (PerReplica...) ...) and its log reduction averages scalars along axis 0
(ValueError: Invalid reduction dimension 0 for input with 0 dimensions). `symbolic_build` and
`shaped_logs` are the two workarounds `Localizer` applies under that strategy only.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from zoo.plugin import World, free_ports, threads_per_process

_STRATEGY: Any = None
_WORLD = World()


def _tf() -> Any:
    import tensorflow as tf

    return tf


def join(world: World) -> None:
    """Create the MultiWorkerMirroredStrategy of `world` from ``TF_CONFIG`` (before any other
    TensorFlow op, as tf.distribute requires); the machine's CPU threads shared among its processes."""
    global _STRATEGY, _WORLD
    tf = _tf()
    threads = threads_per_process(world, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already initialised: keep its threads
        pass
    _STRATEGY, _WORLD = tf.distribute.MultiWorkerMirroredStrategy(), world


def strategy() -> Any | None:
    """The strategy models are built and trained under, or None (Keras' default)."""
    global _STRATEGY
    if _STRATEGY is None:
        gpus = _tf().config.list_logical_devices("GPU")
        if len(gpus) > 1:
            _STRATEGY = _tf().distribute.MirroredStrategy()
    return _STRATEGY


def multi_worker(model_strategy: Any) -> bool:
    return model_strategy is not None and isinstance(model_strategy, _tf().distribute.MultiWorkerMirroredStrategy)


def replicas() -> tuple[int, int]:
    """(index of this process's first replica, replicas in all) for the sharding rule."""
    s = strategy()
    if s is None:
        return 0, 1
    return _WORLD.rank * local_replicas(), int(s.num_replicas_in_sync)


def local_replicas() -> int:
    """Replicas of this process (its GPUs under a strategy, else 1)."""
    s = strategy()
    return 1 if s is None else max(1, int(s.num_replicas_in_sync) // _WORLD.size)


def symbolic_build(model: Any, iterator: Any) -> None:
    """Keras' ``_maybe_symbolic_build`` with this replica's batch in place of a cross-replica
    reduction of it (see the module docstring). Nothing to do when the model, its optimizer and
    compiled metrics are built already (the fit loop builds them), so no batch is drawn."""
    tf = _tf()
    from keras import tree

    built = (all(layer.built for layer in model._flatten_layers())
             and (model.optimizer is None or model.optimizer.built)
             and all(part is None or part.built for part in (model._compile_metrics, model._compile_loss)))
    if built:
        return
    s = model.distribute_strategy
    batch = None
    for _, _, it in iterator:
        batch = next(it)
        break
    local = tree.map_structure(
        lambda v: s.experimental_local_results(v)[0] if isinstance(v, tf.distribute.DistributedValues) else v, batch)
    with s.scope():
        model._symbolic_build(data_batch=local)


def shaped_logs(logs: dict[str, Any]) -> dict[str, Any]:
    """Scalar logs as shape (1,), which Keras' multi-worker reduction (mean along axis 0) accepts."""
    tf = _tf()
    return {k: tf.reshape(v, [1]) for k, v in logs.items()}


def launch(nproc: int, argv: list[str]) -> int:
    """``python -m zoo ARGV`` as `nproc` workers of one MultiWorkerMirroredStrategy on this
    machine, each with a generated ``TF_CONFIG`` on free loopback ports; the first failure stops
    the others. Returns the exit status (0 when all succeeded)."""
    hosts = [f"127.0.0.1:{port}" for port in free_ports(nproc)]
    procs = []
    for index in range(nproc):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": {"worker": hosts},
                                                     "task": {"type": "worker", "index": index}}))
        procs.append(subprocess.Popen([sys.executable, "-m", "zoo", *argv], env=env))
    status = 0
    while any(p.poll() is None for p in procs):
        failed = [p.returncode for p in procs if p.returncode]
        if failed:
            status = failed[0]
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            break
        time.sleep(0.2)
    for p in procs:
        p.wait()
    failed = [p.returncode for p in procs if p.returncode]
    if failed and not status:
        status = failed[0]
    if status:
        print(f"zoo: a training process failed (exit {status}); its error is above", file=sys.stderr)
    return status

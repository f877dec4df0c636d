"""Several processes on torch's own engine: the process group (gloo on CPU, nccl on CUDA, each
process on its own ``cuda:LOCAL_RANK``), DistributedDataParallel (+ SyncBatchNorm when the recipe
asks), the few collectives the fit loop needs, and ``--nproc N`` through ``torch.distributed.run``.

The rules (which items a rank trains on, global batch, who writes) are the core's
(`zoo.distributed`); this module only does what torch forces.
"""
from __future__ import annotations

import sys
from typing import Any

import torch
import torch.distributed as dist

from zoo.plugin import World, ZooError


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def size() -> int:
    return dist.get_world_size() if active() else 1


def join(world: World) -> torch.device:
    """Initialise the default process group from torchrun's environment (``env://``); return
    this process's device."""
    if torch.cuda.is_available():
        device = torch.device("cuda", world.local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
    if not active():
        # torchrun's store outlives a restart (--max-restarts): a prefix per attempt keeps the
        # restarted processes from reading the dead ones' addresses (gloo: "connection refused")
        store, _, _ = next(dist.rendezvous("env://", rank=world.rank, world_size=world.size))
        store = dist.PrefixStore(f"zoo/attempt{world.restart}", store)
        dist.init_process_group(backend, store=store, rank=world.rank, world_size=world.size)
    return device


def leave() -> None:
    if active():
        dist.destroy_process_group()


def wrap(model: torch.nn.Module, device: torch.device, sync_batchnorm: bool,
         unused_parameters: bool = False) -> torch.nn.Module:
    """`model` as DistributedDataParallel (BatchNorm layers synchronised when asked); itself alone.
    ``unused_parameters``: some parameters get no gradient in some epochs (a frozen backbone)."""
    if not active():
        return model
    if sync_batchnorm:
        if device.type != "cuda":
            raise ZooError("train.sync_batchnorm (--sync-bn) needs CUDA: torch's SyncBatchNorm runs on GPUs only; "
                           "on CPU leave it off (BatchNorm statistics are then each process's)")
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids, find_unused_parameters=unused_parameters)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if isinstance(model, torch.nn.parallel.DistributedDataParallel) else model


def sums(values: list[float], device: torch.device) -> list[float]:
    """Element-wise sums of `values` over every process (themselves alone)."""
    if not active():
        return values
    backend_device = device if dist.get_backend() == "nccl" else torch.device("cpu")
    t = torch.tensor(values, dtype=torch.float64, device=backend_device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return [float(v) for v in t.cpu()]


def gather(obj: Any) -> list[Any]:
    """`obj` of every process, in rank order ([obj] alone)."""
    if not active():
        return [obj]
    out: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


def barrier() -> None:
    if active():
        dist.barrier()


def launch(nproc: int, argv: list[str]) -> int:
    """``python -m torch.distributed.run --standalone --nproc-per-node N -m zoo ARGV``: torch's own
    launcher (rendezvous on a free loopback port); the exit status of the run."""
    from torch.distributed import run as torchrun
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    args = ["--standalone", "--nproc-per-node", str(nproc), "--module", "zoo", *argv]
    try:
        torchrun.main(args)
    except ChildFailedError as exc:
        failed = ", ".join(f"rank {rank} exit {f.exitcode}" for rank, f in sorted(exc.failures.items()))
        print(f"zoo: a training process failed ({failed}); its error is above", file=sys.stderr)
        return 1
    return 0

"""Which torch settings pay on this CPU: channels_last vs NCHW memory, denormal floats flushed
to zero or not (TensorFlow flushes them; torch does not unless asked), fused Adam vs torch's
default per-tensor loop.

    taskset -c 1 python benchmarks/probe_torch_settings.py [--cases default,resnet18,mobilenet_v2]
        [--precisions fp32,bf16] [--steps 60]

For each case and precision, four copies of the hand-written model (`hand_torch.py`, same
initial weights) train side by side in one process: every step index runs each setting once on
the same batch, in turn, so load from other jobs hits the settings alike (a shared machine's
noise cancels out in the ratios, which separate processes minutes apart do not give). Prints the
median step time of each setting after 10 warm-up steps and the ratios that decide zoo's defaults
(`zoo_torch.train.channels_last`, `TorchFramework`'s ``torch.set_flush_denormal(True)``,
`zoo_torch.optim.make_optimizer`'s ``fused=True``).
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torchvision.ops import generalized_box_iou_loss

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_torch import build  # noqa: E402
from speed_cases import CASES, train_arrays  # noqa: E402

#: name -> (memory format, flush denormals, fused Adam); the first is zoo's
SETTINGS = {"zoo's": (torch.channels_last, True, True), "NCHW": (torch.contiguous_format, True, True),
            "denormals": (torch.channels_last, False, True), "per-tensor Adam": (torch.channels_last, True, False)}


def probe(case_name: str, precision: str, steps: int) -> dict[str, float]:
    case = CASES[case_name]
    images, boxes, batch = train_arrays(case)
    torch.manual_seed(0)
    base, _ = build(case)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
    y = torch.from_numpy(boxes)
    runs = {}
    for name, (fmt, flush, fused) in SETTINGS.items():
        model = copy.deepcopy(base).to(memory_format=fmt).train()
        optimizer = torch.optim.Adam(model.parameters(), 1e-3, eps=1e-7, fused=fused)
        runs[name] = (model, optimizer, x.contiguous(memory_format=fmt), flush, [])
    n = len(x)
    for k in range(steps):
        i = (k * batch) % max(1, n - batch)
        for model, optimizer, data, flush, times in runs.values():
            torch.set_flush_denormal(flush)
            start = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                pred = model(data[i:i + batch])
            pred = pred.float()
            loss = F.smooth_l1_loss(pred, y[i:i + batch]) + generalized_box_iou_loss(pred, y[i:i + batch],
                                                                                       reduction="mean")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            times.append(time.perf_counter() - start)
    return {name: statistics.median(run[4][10:]) for name, run in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; median ms per step of {args.steps} "
          f"(first 10 excluded)")
    for case in args.cases.split(","):
        for precision in args.precisions.split(","):
            ms = probe(case, precision, args.steps)
            zoo, nchw, denormal, per_tensor = (ms[k] for k in SETTINGS)
            print(f"{case:<13} {precision}  " + "  ".join(f"{k} {v * 1000:.1f}" for k, v in ms.items())
                  + f"   gains: channels_last {nchw / zoo:.2f}x, flush {denormal / zoo:.2f}x, "
                  f"fused Adam {per_tensor / zoo:.2f}x", flush=True)


if __name__ == "__main__":
    main()

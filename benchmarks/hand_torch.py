"""What a competent PyTorch user writes without zoo, for bench_speed.py: the same architecture
(timm trunk with ``num_classes=0, global_pool=""``, or a plain nn.Sequential CNN) + flatten +
Linear(4) + sigmoid, smooth L1 + GIoU (torchvision.ops), Adam with a cosine schedule, a plain
loop over in-memory tensors (preprocessed once, shuffled per epoch), autocast for bf16. It takes
the settings zoo takes on CPU (channels_last, ``torch.set_flush_denormal(True)``, glibc's malloc
thresholds as ``zoo_torch.host_memory`` sets them, fused
Adam; each one's gain: probe_torch_settings.py), so zoo / hand-written measures zoo's own loop.

    python benchmarks/hand_torch.py --case default --precision fp32 --layout channels_last

Prints one JSON line: images/s of every epoch, parameter count, threads.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch  # before anything that may import TensorFlow
import torch.nn.functional as F
from torch import nn
from torchvision.ops import generalized_box_iou_loss

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_cases import CASES, Case, take_turn, train_arrays  # noqa: E402
from zoo_torch.host_memory import keep_freed_memory  # noqa: E402  (a C library call, not zoo's loop)

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def trunk(case: Case) -> tuple[nn.Module, bool]:
    """(backbone, whether its inputs are ImageNet-normalized)."""
    if case.backbone == "simple_cnn":
        layers: list[nn.Module] = []
        channels = 3
        for width in (16, 32, 64, 64):
            layers += [nn.Conv2d(channels, width, 3, padding="same"), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            channels = width
        return nn.Sequential(*layers), False
    import timm

    name = {"resnet18": "resnet18", "mobilenet_v2": "mobilenetv2_100"}[case.backbone]
    return timm.create_model(name, pretrained=False, num_classes=0, global_pool=""), True


def build(case: Case) -> tuple[nn.Module, bool]:
    backbone, imagenet = trunk(case)
    with torch.no_grad():
        features = backbone(torch.zeros(1, 3, case.size, case.size)).flatten(1).shape[1]
    return nn.Sequential(backbone, nn.Flatten(), nn.Linear(features, 4), nn.Sigmoid()), imagenet


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=sorted(CASES), default="default")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--layout", choices=("contiguous", "channels_last"), default="channels_last")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lockstep", action="store_true", help="wait for bench_speed.py's go after each epoch")
    args = parser.parse_args()
    case = CASES[args.case]
    images, boxes, batch = train_arrays(case)
    torch.manual_seed(0)
    torch.set_flush_denormal(True)
    keep_freed_memory()  # zoo's fourth CPU setting: glibc keeps freed activations mapped (zoo_torch.host_memory)
    model, imagenet = build(case)
    fmt = torch.channels_last if args.layout == "channels_last" else torch.contiguous_format
    model = model.to(memory_format=fmt).train()
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
    if imagenet:
        x = (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    x = x.contiguous(memory_format=fmt)
    y = torch.from_numpy(boxes)
    n = len(x)
    steps = math.ceil(n / batch) * args.epochs
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=True)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    rates = []
    for _ in range(args.epochs):
        perm = torch.randperm(n)
        start = time.perf_counter()
        running = torch.zeros(())
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = x[idx], y[idx]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
                pred = model(xb)
            pred = pred.float()
            loss = F.smooth_l1_loss(pred, yb) + generalized_box_iou_loss(pred, yb, reduction="mean")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            running += loss.detach() * len(idx)
        float(running)  # the epoch's one host read, as a user logging the mean loss does
        rates.append(n / (time.perf_counter() - start))
        take_turn(rates[-1], args.lockstep)
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"rates": rates, "params": params, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()

"""Why the `raccoon-pretrained` head collapses: two probes on a frozen EfficientNet-Lite0 (torch).

    OMP_NUM_THREADS=1 python benchmarks/probe_pretrained_head.py [--recipe raccoon-pretrained]

1. Step size: AdamW moves every weight by about lr per step whatever its gradient's size, so a
   Dense layer over F inputs moves its outputs by about lr * F * mean|input| per step. With the
   plain flatten of Lite0's map (5 x 5 x 1280 = 32,000 features, mean |x| ~0.37) and lr 3e-4
   that is ~3.6 logits per step: the box logits overshoot into sigmoid saturation within a few steps. The probe
   prints the mean box logits over 6 steps towards the fixed box (0.2, 0.2, 0.8, 0.8) (logit +-1.39).
2. Heads trained alone (AdamW 3e-4, batch 8, 15 epochs, GIoU + smooth-L1 as the recipe) on the
   backbone's frozen, eval-mode feature maps of the recipe's train split; test IoU / CorLoc on its
   test split, beside the mean-box baseline.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn
from torchvision.ops import generalized_box_iou_loss
from zoo_torch.model import build_localizer

from zoo import metrics
from zoo.assembly import build_dataset, make_plan
from zoo.plugins import registry
from zoo.recipes import get
from zoo.training import prepare_data


class Flat(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 2, 3, 1).flatten(1)


def ordered(p: torch.Tensor) -> torch.Tensor:
    return torch.stack([torch.minimum(p[:, 0], p[:, 2]), torch.minimum(p[:, 1], p[:, 3]),
                        torch.maximum(p[:, 0], p[:, 2]), torch.maximum(p[:, 1], p[:, 3])], 1)


def dense(n: int) -> nn.Linear:
    layer = nn.Linear(n, 4)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", default="raccoon-pretrained")
    args = ap.parse_args()
    reg = registry()
    recipe = get(args.recipe)
    model = build_localizer(make_plan(recipe, "torch", reg)).eval()
    data = prepare_data(recipe, build_dataset(recipe, reg), workers=0)

    def features(split):
        maps, boxes = [], []
        for batch in split.batches(0):
            x = torch.from_numpy(batch.images).permute(0, 3, 1, 2).float()
            with torch.no_grad():
                maps.append(model.backbone(model.preprocess(x)))
            boxes.append(torch.from_numpy(batch.boxes))
        return torch.cat(maps), torch.cat(boxes)

    start = time.time()
    f_train, b_train = features(data.train)
    f_test, b_test = features(data.test)
    print(f"features {tuple(f_train.shape)} / {tuple(f_test.shape)} in {time.time() - start:.0f} s")
    print("mean-box baseline", metrics.baseline_metrics(b_train.numpy(), b_test.numpy()))

    torch.manual_seed(0)
    head = dense(f_train[0].numel())
    opt = torch.optim.AdamW(head.parameters(), lr=3e-4)
    vectors = Flat()(f_train[:8])
    print(f"flatten: {vectors.shape[1]} features, mean |x| {vectors.abs().mean():.3f}")
    target = torch.tensor([[0.2, 0.2, 0.8, 0.8]]).repeat(8, 1)
    for step in range(6):
        z = head(vectors)
        loss = ((torch.sigmoid(z) - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"  step {step}: mean box logits {np.round(z.mean(0).detach().numpy(), 2)}")

    def fit(name: str, body: nn.Module, sigmoid: bool, lr: float = 3e-4, epochs: int = 15) -> None:
        torch.manual_seed(0)
        opt = torch.optim.AdamW(body.parameters(), lr=lr, weight_decay=1e-4)
        for _ in range(epochs):
            perm = torch.randperm(len(f_train))
            for i in range(0, len(f_train), 8):
                idx = perm[i:i + 8]
                z = body(f_train[idx])
                p = torch.sigmoid(z) if sigmoid else z
                loss = generalized_box_iou_loss(ordered(p), b_train[idx], reduction="mean") \
                    + nn.functional.smooth_l1_loss(p, b_train[idx], beta=0.1)
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            z = body(f_test)
            p = ordered(torch.sigmoid(z) if sigmoid else z).clamp(0, 1)
        print(f"{name}: {metrics.localization_metrics(p.numpy(), b_test.numpy(), None, None)}")

    n = f_train[0].numel()
    fit("flatten -> Dense 4 -> sigmoid", nn.Sequential(Flat(), dense(n)), True)
    fit("flatten -> Dense 4 -> linear", nn.Sequential(Flat(), dense(n)), False)
    reduced = nn.Sequential(nn.Conv2d(f_train.shape[1], 64, 1), nn.ReLU(), Flat(),
                            dense(64 * n // f_train.shape[1]))
    fit("conv 1x1 64 relu -> flatten -> Dense 4 -> sigmoid", reduced, True)
    fit("flatten -> Dense 4 -> sigmoid, lr 1e-5", nn.Sequential(Flat(), dense(n)), True, lr=1e-5)


if __name__ == "__main__":
    main()

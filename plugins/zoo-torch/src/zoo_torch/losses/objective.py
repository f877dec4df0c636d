"""The recipe's training objective: the weighted sum of its loss terms, each fed what its
metadata asks for (encoded boxes, decoded xyxy boxes or class logits + labels)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from zoo import boxes

if TYPE_CHECKING:
    from zoo.assembly import Plan


class Objective:
    """``objective(outputs, target_xyxy, labels) -> (total, {term name: value})``."""

    def __init__(self, plan: Plan) -> None:
        self.encoding = plan.encoding
        self.terms: list[tuple[str, float, dict[str, Any], Any]] = []
        for part, fn in plan.build_losses():
            name = part.name if part.name not in {t[0] for t in self.terms} else f"{part.name}_{len(self.terms)}"
            self.terms.append((name, part.weight, part.meta, fn))

    def __call__(self, outputs: dict[str, torch.Tensor], target: torch.Tensor,
                 labels: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        box = outputs["box"].float()
        target = target.float()
        encoded = decoded = None
        parts: dict[str, torch.Tensor] = {}
        for name, _, meta, fn in self.terms:
            if meta["target"] == "class":
                parts[name] = fn(outputs["logits"], labels)
            elif meta["space"] == "decoded":
                if decoded is None:
                    decoded = boxes.decode(box, self.encoding, xp=torch)
                parts[name] = fn(decoded, target)
            else:
                if encoded is None:
                    encoded = boxes.encode(target, self.encoding, xp=torch)
                parts[name] = fn(box, encoded)
        total = sum(weight * parts[name] for name, weight, _, _ in self.terms)
        return total, parts  # type: ignore[return-value]

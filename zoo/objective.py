"""The training objective, written once for every framework: the weighted sum of a recipe's loss
terms, each fed the output its declaration asks for.

A loss declares ``target`` ("box" or "class") and, for box losses, ``space``: "encoded" terms
compare the head's raw box output with the target encoded in the head's encoding, "decoded" terms
compare the decoded xyxy box with the xyxy target, and class terms take the logits and the integer
labels. The arithmetic goes through an array namespace ``xp`` (numpy, ``torch``, ``keras.ops``) as
in `zoo.boxes`, so the same code runs inside each framework's graph.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zoo import boxes


@dataclass(frozen=True)
class Term:
    """One loss term: a unique name (the loss name, suffixed by its position when repeated), its
    weight, what it reads (``target`` "box" or "class", ``space`` "encoded" or "decoded") and the
    built loss ``fn(pred, target)``."""

    name: str
    weight: float
    target: str
    space: str
    fn: Callable[[Any, Any], Any]


class Objective:
    """``objective(outputs, target_xyxy, labels, xp) -> (total, {term name: value})``.

    Args:
        encoding: the head's box encoding (`zoo.boxes`).
        terms: ``(name, weight, metadata, fn)`` per loss term, in recipe order; the metadata is
            the loss declaration's (``target``, ``space``).

    ``outputs`` holds ``box`` (N, E) and, for class heads, ``logits`` (N, K); give them and the
    target in float32 (frameworks cast mixed-precision outputs first). The total is
    ``w1 * term1 + w2 * term2 + ...`` in recipe order.
    """

    def __init__(self, encoding: str, terms: Iterable[tuple[str, float, Mapping[str, Any], Callable[[Any, Any], Any]]]
                 ) -> None:
        self.encoding = encoding
        self.terms: list[Term] = []
        for name, weight, meta, fn in terms:
            unique = name if name not in {t.name for t in self.terms} else f"{name}_{len(self.terms)}"
            self.terms.append(Term(unique, float(weight), str(meta["target"]), str(meta.get("space", "encoded")), fn))

    @classmethod
    def of(cls, encoding: str, losses: Iterable[tuple[Any, Callable[[Any, Any], Any]]]) -> Objective:
        """From ``(part, fn)`` pairs, as `zoo.plugin.Plan.build_losses` returns them."""
        return cls(encoding, [(part.name, part.weight, part.meta, fn) for part, fn in losses])

    def __call__(self, outputs: Mapping[str, Any], target: Any, labels: Any, xp: Any = np) -> tuple[Any, dict[str, Any]]:
        box = outputs["box"]
        encoded = decoded = None
        parts: dict[str, Any] = {}
        for term in self.terms:
            if term.target == "class":
                parts[term.name] = term.fn(outputs["logits"], labels)
            elif term.space == "decoded":
                if decoded is None:
                    decoded = boxes.decode(box, self.encoding, xp=xp)
                parts[term.name] = term.fn(decoded, target)
            else:
                if encoded is None:
                    encoded = boxes.encode(target, self.encoding, xp=xp)
                parts[term.name] = term.fn(box, encoded)
        total = None
        for term in self.terms:
            value = term.weight * parts[term.name]
            total = value if total is None else total + value
        return total, parts

"""Seeded splits, stratified by class when items carry classes.

Contract: the same (labels, fractions, seed) always gives the same split; every index lands in
exactly one part; within each class the shares are ``round(n_class * fraction)``, so rare classes
keep their proportion in every part.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def stratified_split(indices: np.ndarray, labels: np.ndarray | None, fractions: Mapping[str, float],
                     seed: int, rest: str = "train") -> dict[str, np.ndarray]:
    """Split `indices` into the parts named in `fractions` (share of each class) plus `rest`.

    Args:
        indices: int indices to split.
        labels: the class of each of `indices` (same length), or None / all -1 for no classes.
        fractions: part name -> share in [0, 1); their sum must stay below 1.
        seed: seeds the permutation inside each class.
        rest: the part that receives what the fractions leave.
    Returns:
        part name -> sorted int64 indices, for every part in `fractions` and `rest`.
    """
    indices = np.asarray(indices, np.int64)
    if sum(fractions.values()) >= 1.0 and len(indices):
        raise ValueError(f"split fractions {dict(fractions)} leave nothing for {rest!r}")
    labels = np.full(len(indices), -1, np.int64) if labels is None else np.asarray(labels, np.int64)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in (*fractions, rest)}
    for cls in np.unique(labels):
        members = indices[labels == cls]
        members = np.random.default_rng([seed, 31, int(cls) + 1]).permutation(members)
        start = 0
        for name, share in fractions.items():
            count = round(len(members) * share)
            parts[name].append(members[start:start + count])
            start += count
        parts[rest].append(members[start:])
    return {name: np.sort(np.concatenate(chunks)) if chunks else np.zeros(0, np.int64)
            for name, chunks in parts.items()}


def seeded_split(n: int, labels: np.ndarray | None, val: float, test: float, seed: int) -> dict[str, np.ndarray]:
    """train / val / test of ``range(n)``: `val` and `test` shares, stratified by `labels`."""
    return stratified_split(np.arange(n), labels, {"val": val, "test": test}, seed)

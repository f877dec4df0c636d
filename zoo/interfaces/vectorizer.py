"""Vectorizer: turns the backbone's feature map into one vector per image.

Built object (framework module):
    input   the backbone's feature map, (N, C, h, w) on torch or (N, h, w, C) on Keras.
    output  (N, D) float32.

Factory: ``factory(in_channels=C, in_size=(h, w), **params)``.

Metadata: none required. ``out_features(params, in_channels, in_size)`` in the metadata, when
given, lets ``zoo build`` check the head before building. ``box_encoding`` (a box encoding name)
says the output is the box itself, in that encoding: the head must pass it on unchanged
(``dense: false``, linear activation, the same encoding; `zoo.validation.box_head_problem`).
"""
from __future__ import annotations

from collections.abc import Mapping

from zoo.interfaces.component import ComponentInfo, Meta, Param


def declare_vectorizer(name: str, *, description: str, params: Mapping[str, Param] | None = None,
                       meta: Meta | None = None) -> ComponentInfo:
    """A vectorizer declaration."""
    return ComponentInfo("vectorizer", name, dict(params or {}), description, meta or {})

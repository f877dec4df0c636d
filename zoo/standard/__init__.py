"""The standard vocabulary: components that both framework plugins implement by the same name.

Declarations only (names, parameters, metadata): no framework is imported. A framework plugin
registers a standard component by name, ``register("resnet50", factory, framework="torch")``,
and the core fills in the declaration from here, so the two plugins cannot drift apart.
`PROVIDERS` lets an unknown-name error say which distribution to install.
"""
from __future__ import annotations

from zoo.interfaces.component import ComponentInfo, Kind
from zoo.standard.backbones import BACKBONES
from zoo.standard.heads import HEADS
from zoo.standard.losses import LOSSES
from zoo.standard.vectorizers import VECTORIZERS

STANDARD: dict[Kind, dict[str, ComponentInfo]] = {
    "backbone": {c.name: c for c in BACKBONES},
    "vectorizer": {c.name: c for c in VECTORIZERS},
    "head": {c.name: c for c in HEADS},
    "loss": {c.name: c for c in LOSSES},
}

#: framework -> (distribution, how to install it from a checkout of this repository)
PROVIDERS: dict[str, tuple[str, str]] = {
    "torch": ("zoo-torch", "pip install -e plugins/zoo-torch"),
    "keras": ("zoo-keras", "pip install -e plugins/zoo-keras"),
}


def standard(kind: Kind, name: str) -> ComponentInfo | None:
    """The standard declaration of `name`, or None."""
    return STANDARD.get(kind, {}).get(name)


__all__ = ["PROVIDERS", "STANDARD", "standard"]

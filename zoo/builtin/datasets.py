"""Built-in plugin: framework-neutral datasets (synthetic sets and file readers)."""
from __future__ import annotations

from typing import Any

from zoo.hookspecs import hookimpl
from zoo.interfaces.component import Param
from zoo.interfaces.dataset import declare_dataset

_SYNTH = {
    "n": Param(2048, int, help="items in all (train + val + test)"),
    "size": Param(128, int, help="side of the generated square images, pixels"),
    "val": Param(0.1, float, help="share of items in the val split"),
    "test": Param(0.1, float, help="share of items in the test split"),
    "seed": Param(0, int),
}


@hookimpl
def register_datasets(register: Any) -> None:
    register(declare_dataset("blobs", description="Ganz's white discs on black (built in, no download)",
                             params=_SYNTH), "zoo.datasets.synthetic:blobs")

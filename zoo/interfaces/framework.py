"""Framework: what a framework plugin provides so the core can build, train and run models.

The core owns recipes, data, metrics, the run directory and the CLI; a framework owns only
what its library forces: assembling the model from its registered components, the training
loop, checkpoints, and inference. Both frameworks therefore produce the same run layout and
the same metrics.

Model contract: the built localizer takes RGB float32 images in [0, 255] (NCHW on torch, NHWC
on Keras), applies its backbone's preprocessing (`zoo.preprocess`) and returns
``{"box": (N, E) encoded, "logits": (N, K)}`` (logits only for class heads).
"""
from __future__ import annotations

import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from zoo.interfaces.errors import ZooError


# -- what the core hands a framework: small protocols, so this contract imports nothing above it ----
class Part(Protocol):
    """One resolved component of a plan (`zoo.assembly.Part`)."""

    @property
    def name(self) -> str: ...
    @property
    def params(self) -> dict[str, Any]: ...
    @property
    def meta(self) -> dict[str, Any]: ...


class Plan(Protocol):
    """A recipe resolved for one framework (`zoo.assembly.Plan`): its parts, sizes and settings
    (``recipe.train`` is the `zoo.recipes.TrainSpec`), and the factories of its parts."""

    framework: str
    num_classes: int

    @property
    def recipe(self) -> Any: ...
    @property
    def backbone(self) -> Part: ...
    @property
    def vectorizer(self) -> Part: ...
    @property
    def head(self) -> Part: ...
    @property
    def input_size(self) -> tuple[int, int]: ...
    @property
    def encoding(self) -> str: ...
    @property
    def box_size(self) -> int: ...
    @property
    def preprocessing(self) -> str: ...
    def build(self, kind: Any, **context: Any) -> Any: ...
    def objective(self) -> Any: ...


class Pipeline(Protocol):
    """Batches of one split (`zoo.data.pipeline.Pipeline`): ``item(epoch, position)`` is a pure
    function of (seed, epoch, position); ``batches(epoch)`` yields ``Batch(images, boxes, labels)``;
    a split held in memory (``held()`` not None) gives each batch's rows of it (``held_rows``)."""

    batch_size: int
    size: tuple[int, int]
    workers: int

    @property
    def items_per_epoch(self) -> int: ...
    def __len__(self) -> int: ...
    def item(self, epoch: int, position: int) -> tuple[np.ndarray, np.ndarray, int]: ...
    def batches(self, epoch: int = 0) -> Iterable[Any]: ...
    def images(self, epoch: int = 0) -> Iterable[np.ndarray]: ...
    def targets(self) -> tuple[np.ndarray, np.ndarray]: ...
    def held(self) -> Any: ...
    def held_rows(self, epoch: int) -> list[tuple[np.ndarray, float]] | None: ...


class World(Protocol):
    """This process's place in a run (`zoo.distributed.World`)."""

    rank: int
    size: int
    local_rank: int
    local_size: int


class Monitor(Protocol):
    """The per-epoch bookkeeping a framework reports to (`zoo.monitor.Monitor`): it records,
    scores and decides early stopping; the framework only stops when told. ``writes`` is False on
    every process of a distributed run but rank 0."""

    writes: bool

    @property
    def best_epoch(self) -> int: ...
    @property
    def epochs_done(self) -> int: ...
    def end_batch(self, epoch: int, batch: int, loss: float) -> None: ...
    def end_epoch(self, epoch: int, logs: dict[str, float], outputs: Outputs) -> bool: ...
    def stopped_after(self, epochs_done: int) -> bool: ...


@dataclass
class Stage:
    """One line of ``zoo build``: a stage's name, output shape (batch first) and parameter count."""

    name: str
    component: str
    shape: tuple[int, ...]
    params: int


@dataclass
class Summary:
    stages: list[Stage]
    params: int
    trainable: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outputs:
    """Raw model outputs in numpy: encoded boxes (N, E) and, for class heads, logits (N, K)."""

    box: np.ndarray
    logits: np.ndarray | None = None


class Framework(ABC):
    """A framework adapter, registered through the ``register_frameworks`` hook.

    Class attributes: ``weights_file`` (file name of saved weights in a run directory),
    ``backbone_weights_file``, ``layer_type``. ``name`` ("torch", "keras") and ``requirement``
    (what to pip install) are those the adapter was registered with, unless the class states them.
    """

    name: str = ""
    requirement: str = ""
    weights_file: str = ""
    #: file name `save_backbone` writes, e.g. "backbone.safetensors"
    backbone_weights_file: str = ""
    #: the class every built backbone, vectorizer and head is, as "module:Class" ("torch.nn:Module"),
    #: imported only when `check_built` runs (after a factory built one); "" checks nothing
    layer_type: str = ""

    def device(self) -> str:
        """Where it runs, e.g. "cuda:0" or "cpu"."""
        return "cpu"

    def join(self, world: World) -> None:
        """Join the run's processes (`zoo.distributed`), once, before `build`, when
        ``world.size > 1``: set up the framework's own engine (a process group, a strategy) so that
        `fit` trains one model over all of them, on this process's device ``world.local_rank``."""
        raise ZooError(f"framework {self.name!r} cannot train on several processes; use --nproc 1")

    def launch(self, nproc: int, argv: list[str]) -> int:
        """Run ``python -m zoo`` with `argv` as `nproc` processes of one run on this machine, through
        the framework's own launcher; return the exit status (0 when every process succeeded)."""
        raise ZooError(f"framework {self.name!r} has no launcher for --nproc {nproc}; use --nproc 1")

    def check_built(self, kind: str, obj: Any) -> str | None:
        """What is wrong with `obj` as a built `kind` of this framework (e.g. "a list, not a
        torch.nn.Module"), or None. Called by the registry after every factory call; by default,
        that a backbone, vectorizer or head is an instance of `layer_type`."""
        if not self.layer_type or kind not in ("backbone", "vectorizer", "head"):
            return None
        if isinstance(obj, pkgutil.resolve_name(self.layer_type)):
            return None
        return f"a {type(obj).__name__}, not a {self.layer_type.replace(':', '.')}"

    def flops(self, model: Any, plan: Plan) -> int | None:
        """Floating-point operations of one forward pass on one image, or None if not counted."""
        return None

    def count_params(self, model: Any, plan: Plan) -> int:
        """The model's parameter count, as `summary` reports it (override to skip its forward pass)."""
        return self.summary(model, plan).params

    @abstractmethod
    def build(self, plan: Plan) -> Any:
        """Build the localizer of `plan` (its components resolved for this framework)."""

    @abstractmethod
    def summary(self, model: Any, plan: Plan) -> Summary:
        """Every stage's output shape and parameter count, for a batch of one."""

    @abstractmethod
    def fit(self, model: Any, plan: Plan, train: Pipeline, val: Pipeline, monitor: Monitor,
            run_dir: Path, resume: bool) -> Any:
        """Train with the recipe's optimizer, schedule, precision and seed.

        After each epoch call ``monitor.end_epoch(epoch, logs, val_outputs)`` (``logs`` has at
        least ``loss`` and ``val_loss``) and stop when it returns True. Write a checkpoint to
        ``run_dir / "checkpoint"`` atomically after every epoch; with ``resume`` continue from
        it so that the result equals an uninterrupted run. Return the trained model with the
        best weights (by ``monitor.best_epoch``) loaded.
        """

    @abstractmethod
    def predict(self, model: Any, batches: Iterable[np.ndarray]) -> Outputs:
        """Outputs for uint8 NHWC image batches."""

    @abstractmethod
    def save(self, model: Any, run_dir: Path) -> Path:
        """Write the model's weights (and what is needed to rebuild it) into `run_dir`."""

    @abstractmethod
    def load(self, plan: Plan, run_dir: Path) -> Any:
        """Rebuild the model of `plan` and load its saved weights from `run_dir`."""

    def export_onnx(self, model: Any, plan: Plan, path: Path, *, opset: int, dynamic_batch: bool) -> None:
        """Write `model` to `path` as ONNX (optional; `zoo export` checks the result).

        Graph contract (`zoo.export`): one input ``image``, uint8 RGB (N, H, W, 3) at
        ``plan.input_size``, N symbolic with `dynamic_batch`, else 1; outputs as
        ``zoo.export.graph_outputs(raw_outputs, plan.encoding, xp)`` computes them with the
        framework's array namespace (``box`` normalized xyxy, ``probs`` for class heads).
        """
        raise ZooError(f"framework {self.name!r} cannot export to ONNX; export a run of torch or keras")

    def save_backbone(self, model: Any, path: Path) -> Path:
        """Write the trained backbone's weights alone to `path` (its suffix from
        `backbone_weights_file`), loadable as ``backbone.weights=<path>`` by this framework."""
        raise ZooError(f"framework {self.name!r} cannot save a backbone alone")

"""The plugin surface: everything a zoo plugin may import from the core, and nothing more.

    from zoo.plugin import hookimpl, declare_backbone, Param, Plan, Pipeline, boxes

A plugin registers components through the hooks of `zoo.hookspecs` (``@hookimpl``), describes them
with the ``declare_*`` helpers and `Param`, and, when it is a framework plugin, implements
`Framework` from what the core hands it: a `Plan` (resolved components), `Pipeline` batches, the
per-epoch `Monitor`, and the shared rules every framework must follow alike (the box encodings of
`boxes`, the `preprocess` modes, the training `Objective`, the `Plateau` schedule, the numeric
constants, the shared initial weights). A dataset plugin subclasses `Dataset`, or parses its
format into `Annotation`s and lets `Collector` apply the shared reader rules (root containment,
unreadable images, clipping, the multi-object policy, the counted report).

The first-party plugins (zoo-torch, zoo-keras, zoo-example) import only from here, as a third
party would (``tests/test_plugin_surface.py`` enforces it). Everything else in ``zoo`` is the
core's own and may change without notice. (`zoo.plugins`, plural, is the core's plugin
*manager*, which loads plugins; a plugin never needs it.)
"""
from __future__ import annotations

from zoo import boxes, finetune, preprocess
from zoo.assembly import Part, Plan
from zoo.data.held import Held
from zoo.data.pipeline import Batch, Pipeline
from zoo.data.splits import stratified_split
from zoo.datasets._base import BOX_FORMATS, POLICIES, AnnotatedDataset, Annotation, Collector, stated_size, to_xyxy
from zoo.datasets.images import image_size, inspect_image, load_image, to_rgb
from zoo.datasets.paths import existing_dir, existing_file, inside_root, user_path
from zoo.distributed import World, cpu_threads, free_ports, threads_per_process
from zoo.errors import DataError, PluginError, RecipeError, UnknownNameError, WeightsError, ZooError
from zoo.export import INPUT as ONNX_INPUT
from zoo.export import graph_outputs
from zoo.hookspecs import hookimpl
from zoo.initial_weights import cell_votes, share_initial_weights
from zoo.interfaces.backbone import declare_backbone
from zoo.interfaces.component import ComponentInfo, Param
from zoo.interfaces.dataset import SKIP_KINDS, DataReport, Dataset, Sample, declare_dataset
from zoo.interfaces.framework import Framework, Outputs, Stage, Summary
from zoo.interfaces.head import declare_head
from zoo.interfaces.loss import declare_loss
from zoo.interfaces.vectorizer import declare_vectorizer
from zoo.monitor import Monitor
from zoo.objective import Objective
from zoo.progress import bars, quiet_native_stderr, verbose
from zoo.recipes import ADAM_EPSILON, TrainSpec
from zoo.registration import component_hooks, weights_hook
from zoo.runs import CHECKPOINT as CHECKPOINT_DIR
from zoo.runs import atomic_path, atomic_write
from zoo.schedules import Plateau
from zoo.standard.backbones import BN_EPSILON, BN_MOMENTUM, EFFICIENTNET_LITE
from zoo.standard.weights import EFFICIENTNET_LITE_IMAGENET
from zoo.state_dict import read_state_dict
from zoo.validation import check_dense_input, check_kernel_fits
from zoo.weights import download_or_fail

__all__ = [  # noqa: RUF022 - grouped by purpose, as the module docstring reads
    # registering: the hook marker and the declarations
    "hookimpl", "component_hooks", "weights_hook", "ComponentInfo", "Param",
    "declare_backbone", "declare_vectorizer", "declare_head", "declare_loss", "declare_dataset",
    # the framework contract and what the core hands a framework
    "Framework", "Outputs", "Stage", "Summary", "Plan", "Part", "Pipeline", "Batch", "Held", "Monitor", "TrainSpec",
    # rules and numbers every framework shares
    "boxes", "preprocess", "finetune", "Objective", "Plateau", "check_kernel_fits", "check_dense_input", "share_initial_weights",
    "cell_votes",
    "BN_EPSILON", "BN_MOMENTUM", "ADAM_EPSILON",
    # standard declarations a plugin registers factories for
    "EFFICIENTNET_LITE", "EFFICIENTNET_LITE_IMAGENET",
    # several processes (the core discovers the world and shards the data), pretrained downloads
    "World", "free_ports", "threads_per_process", "cpu_threads", "download_or_fail",
    # the run directory, console and export conventions
    "atomic_write", "atomic_path", "CHECKPOINT_DIR", "bars", "verbose", "quiet_native_stderr", "ONNX_INPUT",
    "graph_outputs", "read_state_dict",
    # errors
    "ZooError", "RecipeError", "PluginError", "DataError", "WeightsError", "UnknownNameError",
    # datasets and the shared reader machinery
    "Dataset", "Sample", "DataReport", "Annotation", "Collector", "AnnotatedDataset", "POLICIES", "BOX_FORMATS",
    "to_xyxy", "load_image", "image_size", "inspect_image", "to_rgb", "stratified_split", "user_path",
    "existing_dir", "existing_file", "inside_root", "stated_size", "SKIP_KINDS",
]

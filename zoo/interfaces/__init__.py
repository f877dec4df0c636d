"""The contracts of zoo, one kind per module, framework-neutral. Plugin folders mirror them.

A plugin (an entry point in the group ``zoo``; hooks ``register_backbones``,
``register_vectorizers``, ``register_heads``, ``register_losses``, ``register_datasets``,
``register_frameworks``, ``register_recipes``, ``register_weights``, ``register_models``,
``register_commands``: see `zoo.hookspecs`)
registers each component as a declaration plus a factory:

* the declaration: ``declare_backbone`` / ``declare_vectorizer`` / ``declare_head`` /
  ``declare_loss`` / ``declare_dataset`` (name, ``params`` of `Param`, metadata, which may be a
  function of the resolved parameters; checked with the defaults at registration);
* the factory: a callable or a ``"module:function"`` string. It receives the resolved parameters
  as keywords plus the context of its kind, and returns the built object:

  ==========  ===========================================  =================================
  kind        the factory receives (besides parameters)    and returns
  ==========  ===========================================  =================================
  backbone    ``input_size=(H, W)``                        a framework module (feature map)
  vectorizer  ``in_channels=C, in_size=(h, w)``            a framework module (N, D)
  head        ``in_features=D, in_channels=C,              a module returning ``{"box",
              num_classes=K``                              "logits"}``
  loss        nothing                                      ``loss(pred, target) -> scalar``
  dataset     nothing                                      a `Dataset`
  ==========  ===========================================  =================================

Each module here states its kind's full contract; the guide is docs/writing-a-plugin.md, and
``zoo plugin new NAME`` writes a working plugin to start from.
"""
from zoo.interfaces.backbone import declare_backbone
from zoo.interfaces.component import KINDS, NEUTRAL, ComponentInfo, Entry, Kind, Param, Source
from zoo.interfaces.dataset import DataReport, Dataset, Sample, declare_dataset
from zoo.interfaces.framework import Framework, Outputs, Stage, Summary
from zoo.interfaces.head import declare_head
from zoo.interfaces.loss import declare_loss
from zoo.interfaces.vectorizer import declare_vectorizer

__all__ = [
    "KINDS", "NEUTRAL", "ComponentInfo", "DataReport", "Dataset", "Entry", "Framework", "Kind", "Outputs", "Param",
    "Sample", "Source", "Stage", "Summary", "declare_backbone", "declare_dataset", "declare_head", "declare_loss",
    "declare_vectorizer",
]

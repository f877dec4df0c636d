"""The contracts of zoo, one kind per module, framework-neutral. Plugin folders mirror them."""
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

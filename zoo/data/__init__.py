"""Framework-neutral data pipeline: splits, resizing, augmentation and batching in numpy."""
from zoo.data.held import Held
from zoo.data.pipeline import Batch, Pipeline

__all__ = ["Batch", "Held", "Pipeline"]

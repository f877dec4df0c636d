"""PyTorch backbones of zoo (see zoo.interfaces.backbone and zoo.standard.backbones)."""

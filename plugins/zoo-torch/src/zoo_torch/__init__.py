"""zoo-torch: the PyTorch plugin of zoo (components, model assembly, training adapter).

Importing this package imports no framework; `zoo_torch.plugin` registers every component by
``"module:function"`` strings that are imported on first build.
"""
__version__ = "0.1.0"

"""PyTorch losses of zoo (see zoo.interfaces.loss and zoo.standard.losses)."""

"""PyTorch heads of zoo (see zoo.interfaces.head and zoo.standard.heads)."""

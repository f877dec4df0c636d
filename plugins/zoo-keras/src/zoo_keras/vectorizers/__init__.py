"""Vectorizers: feature map (N, h, w, C) -> (N, D)."""

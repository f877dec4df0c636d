"""Heads: ``head(vector, pooled)`` -> {"box": (N, E) after the activation[, "logits": (N, K)]}."""

"""PyTorch vectorizers of zoo (see zoo.interfaces.vectorizer and zoo.standard.vectorizers)."""

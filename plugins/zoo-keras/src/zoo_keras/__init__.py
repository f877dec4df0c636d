"""zoo-keras: Keras 3 (TensorFlow backend) components and the ``keras`` framework adapter.

Importing this package imports no framework; the modules that need Keras import it through
`zoo_keras._keras`, which selects the TensorFlow backend first.
"""
__version__ = "0.1.0"

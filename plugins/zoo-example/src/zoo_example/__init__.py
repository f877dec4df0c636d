"""zoo-example: a third-party zoo plugin, written only against zoo's public API.

It adds the ``efficientnet_b0`` backbone (torch and Keras), the ``diou`` loss (torch and
Keras) and the ``labelme`` dataset reader (framework-neutral). `zoo_example.plugin` holds the
registrations; the factories import their framework only when called.
"""
__version__ = "0.1.0"

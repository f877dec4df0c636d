"""zoo.testing: what a plugin author needs to test a plugin. Imports no framework and no pytest.

    from zoo.testing import check_component, check_loss_parity, isolated, tiny_dataset

* `isolated(*plugins, installed=False)`: a registry of the built-ins plus `plugins`
  (context manager); pytest fixtures ``zoo_registry`` and ``register_plugin`` wrap it
  (``pytest_plugins = ["zoo.testing.fixtures"]`` in your conftest).
* The pytest plugin ``zoo.testing.fixtures`` imports torch and torchvision.ops first when
  TensorFlow is installed too (importing TensorFlow first crashes triton; see its docstring).
* `tiny_dataset(n=16, size=32)`: a tiny in-memory `zoo.interfaces.Dataset`.
* `check_component(kind, name, framework, params)`: conformance of one component through
  the framework adapter (shapes, config round trip, training, checkpoints).
* `check_loss_parity(name, params, frameworks)`: one loss, same values on every framework.
* `available_frameworks()`: frameworks whose plugin and library are installed.
* `plugin_components(plugin, framework)`: what a plugin registers, to parametrize over.
* `zoo.testing.run_checks`: checks every framework plugin's training and runs pass alike
  (early stopping, resume, unloadable weights, the CLI log, a packaged model by name).

See docs/writing-a-plugin.md.
"""
from zoo.testing.conformance import ConformanceError, Report, check_component, check_dataset
from zoo.testing.data import TINY, TinyDataset, tiny_dataset
from zoo.testing.isolation import isolated, plugin_components
from zoo.testing.minimal import FrameworkUnavailable, available_frameworks, component_recipe
from zoo.testing.parity import check_loss_parity, loss_inputs, loss_value

__all__ = [
    "TINY", "ConformanceError", "FrameworkUnavailable", "Report", "TinyDataset", "available_frameworks",
    "check_component", "check_dataset", "check_loss_parity", "component_recipe", "isolated", "loss_inputs",
    "loss_value", "plugin_components", "tiny_dataset",
]

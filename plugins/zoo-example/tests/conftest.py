"""zoo-example's tests use zoo.testing's fixtures. In a plugin repository of its own the
top-level conftest says ``pytest_plugins = ["zoo.testing.fixtures"]``; this conftest is nested
inside the zoo repository (pytest only honours pytest_plugins at the top level), so it imports
the fixtures instead, which is equivalent."""
from zoo.testing.fixtures import register_plugin, tiny_data, zoo_registry  # noqa: F401

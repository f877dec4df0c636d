"""The plugin kit on this plugin: `zoo.testing.check_component` over every component zoo-keras
registers (timm's one test parametrized over the registry), in an isolated registry: build,
summary, outputs, config round trip (training is covered by the training tests)."""
import zoo_keras.plugin

from zoo.testing.fixtures import conformance_test

test_component_conforms = conformance_test(zoo_keras.plugin, "keras", input_size=32, train=False)

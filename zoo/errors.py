"""Typed errors (defined with the contracts, in `zoo.interfaces.errors`). Each message names the bad
value, the valid choices and the fix, on one line."""
from zoo.interfaces.errors import (
    DataError,
    PluginError,
    RecipeError,
    UnknownNameError,
    WeightsError,
    ZooError,
    choices_text,
    suggest,
)

__all__ = ["DataError", "PluginError", "RecipeError", "UnknownNameError", "WeightsError", "ZooError", "choices_text",
           "suggest"]

"""Typed errors and the wording helpers of their messages. Each message names the bad value, the
valid choices and the fix, on one line. Part of the contracts (the bottom layer); `zoo.errors`
re-exports everything here."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class ZooError(Exception):
    """Base of every error zoo raises on purpose; the CLI prints it as one line."""


class UnknownNameError(ZooError, KeyError):
    """A recipe, component, plugin or framework name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class RecipeError(ZooError, ValueError):
    """A recipe that cannot be loaded or does not validate."""


class PluginError(ZooError, RuntimeError):
    """A plugin that failed to load, registered badly, or built the wrong kind of object."""

    def __init__(self, message: str, plugin: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin


class DataError(ZooError, ValueError):
    """A dataset file or folder that cannot be read."""


class WeightsError(ZooError, FileNotFoundError):
    """Pretrained weights that are not available (offline, missing file, wrong format)."""


def suggest(value: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.5) -> str:
    """`did you mean 'a', 'b'?` for the nearest choices, or '' when none is within `cutoff`."""
    close = difflib.get_close_matches(value, list(choices), n=n, cutoff=cutoff)
    return f"did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def choices_text(choices: Iterable[str], limit: int = 12) -> str:
    """A short, sorted list of valid choices for an error message."""
    items = sorted(set(choices))
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")

"""Which plugin, at which version, provided each part of a run: recorded in ``run.json`` and
``metrics.json`` (key ``components``), and compared with what is installed when the run is
loaded again (`zoo evaluate`, `zoo predict`), so a result is never silently reproduced with
different code."""
from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zoo.interfaces.component import Entry, Source

if TYPE_CHECKING:
    from zoo.assembly import Plan
    from zoo.registry import FrameworkEntry


def _describe(kind: str, name: str, source: Source) -> dict[str, Any]:
    return {"kind": kind, "name": name, "plugin": source.plugin, "distribution": source.distribution,
            "version": source.version}


def gather(entries: Mapping[str, Entry], framework: FrameworkEntry | None) -> dict[str, dict[str, Any]]:
    """Recipe key -> {kind, name, plugin, distribution, version} of each entry, with the framework
    adapter's under ``framework`` (when one is registered: a plan may be made to validate and
    inspect without one): what `zoo.assembly.make_plan` records in the plan."""
    out = {key: _describe(entry.kind, entry.name, entry.source) for key, entry in entries.items()}
    if framework is not None:
        out["framework"] = _describe("framework", framework.name, framework.source)
    return out


def record(plan: Plan) -> dict[str, dict[str, Any]]:
    """Recipe key -> {kind, name, plugin, distribution, version} of every part of `plan`, with
    the dataset and the framework adapter (gathered when the plan was made)."""
    return {key: dict(value) for key, value in plan.components.items()}


def differences(recorded: dict[str, dict[str, Any]], plan: Plan) -> list[str]:
    """One line per part whose providing plugin or version differs from what `recorded` says."""
    now = record(plan)
    out = []
    for key, then in recorded.items():
        cur = now.get(key)
        if cur is None or (then.get("distribution"), then.get("version")) == (cur["distribution"], cur["version"]):
            continue
        was = f"{then.get('distribution') or then.get('plugin')} {then.get('version') or '?'}"
        is_ = f"{cur['distribution'] or cur['plugin']} {cur['version'] or '?'}"
        out.append(f"{key} {then.get('name')!r} was provided by {was} when the run was trained; "
                   f"installed now: {is_}. Results may differ; install {was} to reproduce them")
    return out


def warn_if_changed(recorded: dict[str, dict[str, Any]] | None, plan: Plan) -> list[str]:
    """Print a ``warning:`` line on stderr for each difference; return them."""
    lines = differences(recorded or {}, plan)
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)
    return lines

"""``zoo plugins``: installed plugins with version, status, hooks and components."""
from __future__ import annotations

import click

from zoo.cli._common import JSON_OPTION, echo_json, table


@click.command()
@JSON_OPTION
def plugins(as_json: bool) -> None:
    """List plugins: built-in and installed, with status (active, failed, blocked)."""
    from zoo.plugins import records

    recs = records()
    if as_json:
        echo_json([r.to_dict() for r in recs])
        return
    rows = []
    for r in recs:
        count = sum(len(v) for v in r.components.values())
        status = r.status if not r.error else f"{r.status}: {r.error}"
        if r.refused:
            status += f"; {len(r.refused)} duplicate name(s) refused (an earlier plugin keeps them; see --json)"
        rows.append([r.name, r.distribution or "-", r.version or "-", status, str(count)])
    table(rows, ["plugin", "distribution", "version", "status", "components"])

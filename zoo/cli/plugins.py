"""``zoo plugins``: installed plugins with version, status, hooks and components."""
from __future__ import annotations

import click

from zoo.cli._common import JSON_OPTION, echo_json, table


@click.command()
@JSON_OPTION
def plugins(as_json: bool) -> None:
    """List plugins: built-in and installed, with status (active, failed, blocked).

    \b
    A plugin is a distribution with an entry point in the group 'zoo':
      [project.entry-points.zoo]
      mynet = "zoo_mynet.plugin"
    Its module implements hooks marked @zoo.hookimpl: register_backbones,
    register_vectorizers, register_heads, register_losses, register_datasets,
    register_frameworks, register_recipes, register_weights, register_models,
    register_commands (see help(zoo)). The component hooks receive
    register(info, factory, framework=...): info from zoo.interfaces.declare_*,
    factory a callable or "module:function" string that receives the resolved
    parameters plus its kind's context (backbone: input_size) and returns the
    framework module, loss callable or Dataset (see help(zoo.interfaces)).
    Start one with `zoo plugin new NAME`; guide: docs/writing-a-plugin.md.
    """
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


@click.group()
def plugin() -> None:
    """Write plugins: ``zoo plugin new NAME`` starts one (see docs/writing-a-plugin.md)."""


@plugin.command("new")
@click.argument("name")
@click.option("--framework", "-f", "frameworks", default="torch,keras", show_default=True,
              help="Comma-separated frameworks to write parts for: torch, keras.")
@click.option("--dir", "parent", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder to create the plugin folder NAME in.")
def new(name: str, frameworks: str, parent: str) -> None:
    """Write NAME/: an installable plugin (pyproject with the entry point, one backbone, one loss,
    one dataset reader, tests using zoo.testing) that passes its tests after ``pip install -e NAME``."""
    from pathlib import Path

    from zoo.scaffold import new_plugin

    root = new_plugin(name, Path(parent), tuple(f.strip() for f in frameworks.split(",") if f.strip()))
    click.echo(f"wrote {root}/ ; next: pip install -e {root} && pytest {root}")

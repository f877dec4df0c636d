"""Shared CLI pieces: options, one-line error reporting, JSON output."""
from __future__ import annotations

import json
import os
from typing import Any

import click

from zoo.errors import ZooError
from zoo.runs import UNWRITABLE, unwritable

RECIPES_OPTION = click.option("--recipes", "recipe_files", multiple=True, type=click.Path(),
                              help="Extra recipe YAML file (repeatable); its recipes override by name.")
SET_OPTION = click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                          help="Override a recipe field, e.g. --set train.epochs=3 --set backbone.name=resnet18.")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")


def run_cli(cli: click.Group) -> int:
    """Run the CLI; a ZooError becomes one line on stderr and exit code 2."""
    try:
        cli.main(standalone_mode=False)
    except ZooError as exc:
        click.echo(f"error: {exc}", err=True)
        if os.environ.get("ZOO_DEBUG"):
            raise
        return 2
    except OSError as exc:  # a folder that cannot be written (read-only, full disk): one line, not a traceback
        if exc.errno not in UNWRITABLE or os.environ.get("ZOO_DEBUG"):
            raise
        click.echo(f"error: {unwritable(exc.filename or '?', exc)}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())

"""The ``zoo`` command line: one module per noun. Framework-free commands (plugins, list, show,
validate) import no framework; plugins may add commands through ``register_commands``."""
from __future__ import annotations

import sys

import click

from zoo.cli._common import run_cli
from zoo.cli.build import build
from zoo.cli.compare import compare, profile
from zoo.cli.components import list_cmd, show
from zoo.cli.data import data
from zoo.cli.deploy import export, package
from zoo.cli.plugins import plugin, plugins
from zoo.cli.runs import evaluate, predict, train
from zoo.cli.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zoo")
@click.option("-v", "--verbose", is_flag=True,
              help="Show everything, frameworks' native start-up logs included (same as ZOO_VERBOSE=1).")
def cli(verbose: bool) -> None:
    """zoo: build, train and compare single-object localizers from named recipes."""
    if verbose:
        import os

        from zoo.progress import VERBOSE_ENV

        os.environ[VERBOSE_ENV] = "1"


for command in (plugins, plugin, list_cmd, show, validate, build, train, evaluate, predict, export, package, compare,
                profile, data):
    cli.add_command(command)


def _plugin_commands() -> None:
    from zoo.plugins import add_commands

    add_commands(cli)


def main() -> None:
    _plugin_commands()
    sys.exit(run_cli(cli))

"""A plugin whose command takes the name of a built-in one (`zoo plugins`), and adds one of its own."""
import click

from zoo import hookimpl


@hookimpl
def register_commands(cli):
    @cli.command("plugins")
    def shadow():
        raise RuntimeError("shadowed")

    @cli.command("shadow-hello")
    def hello():
        click.echo("hello from the shadow plugin")

"""A plugin whose register_commands raises."""
from zoo import hookimpl


@hookimpl
def register_commands(cli):
    raise RuntimeError("commands exploded")

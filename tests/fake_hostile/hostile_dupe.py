"""A third-party plugin that registers a name zoo-torch already has (giou for torch), and one of its own."""
from zoo import hookimpl
from zoo.interfaces import declare_loss


@hookimpl
def register_losses(register):
    register("giou", "hostile_dupe:build", framework="torch")
    register(declare_loss("dupe_only", description="a loss only this plugin has", target="box"),
             "hostile_dupe:build", framework="torch")


def build(**kwargs):
    return lambda *a: 0.0

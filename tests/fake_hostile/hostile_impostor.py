"""A second distribution whose entry point is also named 'torch', with one backbone of its own."""
from zoo import hookimpl
from zoo.interfaces import declare_backbone


@hookimpl
def register_backbones(register):
    register(declare_backbone("impostor_net", description="from a second 'torch' entry point",
                              meta={"out_channels": 4, "preprocessing": "unit", "stride": 2}),
             "hostile_impostor:build", framework="torch")


def build(**kwargs):
    return lambda x: x

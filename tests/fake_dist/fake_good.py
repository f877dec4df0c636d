"""An installed plugin that works: one backbone for framework 'fakefw'."""
from zoo import hookimpl
from zoo.interfaces import declare_backbone


@hookimpl
def register_backbones(register):
    register(declare_backbone("good_net", description="from an installed fake distribution",
                              meta={"out_channels": 4, "preprocessing": "unit", "stride": 2}),
             "fake_good:build", framework="fakefw")


def build(**kwargs):
    return lambda x: x

"""Registers one component, then fails: it must be removed whole."""
from zoo import hookimpl
from zoo.interfaces import declare_backbone


@hookimpl
def register_backbones(register):
    register(declare_backbone("half_net", description="should vanish",
                              meta={"out_channels": 4, "preprocessing": "unit", "stride": 2}),
             lambda **k: None, framework="fakefw")
    register("no_such_standard_name", lambda **k: None, framework="fakefw")

"""An installed plugin with a misspelled hook name."""
from zoo import hookimpl


@hookimpl
def register_backbone(register):
    pass

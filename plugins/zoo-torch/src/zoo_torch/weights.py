"""Backbone weights: "none", "imagenet" (timm's own pretrained loading, which uses the Hugging
Face hub cache and honours HF_HUB_OFFLINE) or a local file (.safetensors, .pt, .pth, .bin).

Every failure raises a one-line `zoo.errors.WeightsError` naming the file to provide.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from zoo.plugin import WeightsError, download_or_fail

NONE, IMAGENET = "none", "imagenet"
SUFFIXES = (".safetensors", ".pt", ".pth", ".bin")
#: prefixes that wrappers and full classifiers add to trunk keys; dropped before loading
STRIP_PREFIXES = ("module.", "model.", "backbone.", "_orig_mod.")
#: top-level names of timm classifier parts; their keys are ignored when loading a trunk
CLASSIFIER_KEYS = ("fc", "classifier", "head", "pre_logits", "last_linear")


def is_local(weights: str) -> bool:
    return weights not in (NONE, IMAGENET)


def create_timm(name: str, weights: str, **kwargs: Any) -> nn.Module:
    """``timm.create_model(name, **kwargs)``; pretrained for "imagenet", else random init
    followed by `load_local` for a file path."""
    import timm

    if weights == IMAGENET:
        if not timm.list_pretrained(name):
            raise WeightsError(f"timm has no imagenet weights for {name!r}; use backbone.weights=none "
                               f"or a local file backbone.weights=/path/file.safetensors")
        tag = timm.list_pretrained(name)[0]
        url = hub_url(tag)
        # offline and not cached: one line at once, instead of the hub's minute of retries
        download_or_fail(f"timm model {tag!r}", url, cached=[hub_cached(tag)], put="the Hugging Face cache",
                         alternatives="pass the file with backbone.weights=/path/file.safetensors "
                                      "(or backbone.weights=none)")
        try:
            return timm.create_model(name, pretrained=True, **kwargs)
        except Exception as exc:
            raise imagenet_missing(name, exc) from exc
    model = timm.create_model(name, pretrained=False, **kwargs)
    if is_local(weights):
        load_local(model, weights)
    return model


def hub_url(tag: str) -> str:
    return f"https://huggingface.co/timm/{tag}/resolve/main/model.safetensors"


def hub_cached(tag: str) -> str | None:
    """The Hugging Face cache's copy of timm's `tag` weights, or None."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(f"timm/{tag}", "model.safetensors")
    return found if isinstance(found, str) else None


def imagenet_missing(name: str, exc: BaseException | None = None) -> WeightsError:
    import timm

    tag = timm.list_pretrained(name)[0] if timm.list_pretrained(name) else name
    why = f" ({type(exc).__name__})" if exc is not None else ""
    return WeightsError(
        f"imagenet weights for timm model {tag!r} are not available offline{why}: download "
        f"{hub_url(tag)} into the Hugging Face cache, "
        f"or pass the file with backbone.weights=/path/file.safetensors (or backbone.weights=none)")


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a local weights file; WeightsError when missing or unreadable."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise WeightsError(f"weights file {str(path)!r} does not exist; give an existing "
                           f"{'/'.join(SUFFIXES)} file, or weights=none / weights=imagenet")
    if path.suffix not in SUFFIXES:
        raise WeightsError(f"weights file {str(path)!r} has suffix {path.suffix!r}; valid: {', '.join(SUFFIXES)}")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state: Any = load_file(str(path))
        else:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise WeightsError(f"cannot read weights file {str(path)!r}: {type(exc).__name__}: "
                           f"{str(exc).splitlines()[0] if str(exc) else ''}") from exc
    for key in ("state_dict", "model", "model_state"):
        if isinstance(state, Mapping) and isinstance(state.get(key), Mapping):
            state = state[key]
    if not isinstance(state, Mapping):
        raise WeightsError(f"weights file {str(path)!r} holds a {type(state).__name__}, not a state dict")
    return dict(state)


def adapt_keys(state: Mapping[str, torch.Tensor], expected: Iterable[str],
               strip: Iterable[str] = ()) -> dict[str, torch.Tensor]:
    """Drop wrapper prefixes (and `strip`, e.g. VGG's ``features.``) and classifier keys that
    the trunk does not have."""
    expected = set(expected)
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        for prefix in (*STRIP_PREFIXES, *strip):
            if key.startswith(prefix) and key not in expected:
                key = key[len(prefix):]
        if key not in expected and key.split(".")[0] in CLASSIFIER_KEYS:
            continue
        out[key] = value
    return out


def load_local(module: nn.Module, path: str | Path, strip: Iterable[str] = ()) -> None:
    """Load a local state dict into `module`; WeightsError listing a few missing/unexpected keys
    or mismatched shapes when it does not fit."""
    own = module.state_dict()
    state = adapt_keys(read_state_dict(path), own, strip)
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}" for k, v in own.items()
              if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or unexpected or shapes:
        parts = [f"{label} {len(keys)}: {', '.join(keys[:3])}{', ...' if len(keys) > 3 else ''}"
                 for label, keys in (("missing", missing), ("unexpected", unexpected), ("shape", shapes)) if keys]
        raise WeightsError(f"weights file {str(path)!r} does not fit {type(module).__name__} "
                           f"({'; '.join(parts)}); give a state dict of this backbone")
    module.load_state_dict(state, strict=True)


def no_imagenet(name: str) -> WeightsError:
    return WeightsError(f"backbone {name!r} has no imagenet weights; use backbone.weights=none "
                        f"or a local file backbone.weights=/path/file.safetensors")

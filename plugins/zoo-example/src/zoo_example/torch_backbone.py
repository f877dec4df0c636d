"""EfficientNet-B0 on torch: timm's trunk with ``num_classes=0, global_pool=""``, so the model
returns the 1280-channel feature map (N, 1280, H/32, W/32)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo.plugin import WeightsError


def efficientnet_b0(*, input_size: tuple[int, int], weights: str = "none") -> Any:
    import timm
    import torch

    del input_size
    if weights == "imagenet":
        try:
            return timm.create_model("efficientnet_b0", pretrained=True, num_classes=0, global_pool="")
        except Exception as exc:
            raise WeightsError("efficientnet_b0: timm's imagenet weights are not available offline "
                               f"({type(exc).__name__}); put them in the Hugging Face cache or pass "
                               "backbone.weights=/path/file.safetensors") from exc
    model = timm.create_model("efficientnet_b0", pretrained=False, num_classes=0, global_pool="")
    if weights != "none":
        path = Path(weights).expanduser()
        if not path.is_file():
            raise WeightsError(f"efficientnet_b0: weights file {str(path)!r} does not exist "
                               "(use weights=none, imagenet or an existing .safetensors / .pth file)")
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        model.load_state_dict({k: v for k, v in state.items() if not k.startswith("classifier.")}, strict=False)
    return model

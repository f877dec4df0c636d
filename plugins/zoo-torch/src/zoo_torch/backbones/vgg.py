"""VGG16 conv trunk (timm ``vgg16``'s ``features``: 13 convs + 5 max-pools, 14,714,688 parameters,
the same as Keras VGG16 include_top=False). Built directly unless ImageNet weights are asked for,
so the 100 M-parameter classifier is never allocated for nothing."""
from __future__ import annotations

from torch import nn

from zoo_torch.weights import IMAGENET, create_timm, is_local, load_local

CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def features() -> nn.Sequential:
    """timm's / torchvision's layer indices, so their ``features.N`` keys load unchanged."""
    layers: list[nn.Module] = []
    channels = 3
    for v in CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, int(v), 3, padding=1), nn.ReLU(inplace=True)]
            channels = int(v)
    return nn.Sequential(*layers)


def vgg16(*, weights: str, input_size: tuple[int, int]) -> nn.Sequential:
    """(N, 3, H, W) -> (N, 512, H/32, W/32)."""
    del input_size
    if weights == IMAGENET:
        trunk = features()
        trunk.load_state_dict(create_timm("vgg16", IMAGENET).features.state_dict())
        return trunk
    trunk = features()
    if is_local(weights):
        load_local(trunk, weights, strip=("features.",))
    return trunk

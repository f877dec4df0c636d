"""vote: every cell of the feature map votes for a box around itself, and the box is the
softmax-weighted mean of the votes (zoo.standard.vectorizers). Translation-equivariant: the same
1x1 convolutions read every cell, so what it learns about a raccoon in one corner holds in the
others, where a flatten + dense head learns each place on its own.

(N, C, h, w) -> kernel x kernel conv (filters, 'same') + ReLU -> 1x1 convs: score (N, 1, h, w) and offsets (N, 4, h, w);
weights = softmax of the scores over the h * w cells; vote = `zoo.plugin.cell_votes` + offsets;
box = sum of weights * votes: (N, 4) xyxy, for a head with dense: false and a linear activation.
Canonical weights: hidden kernel, bias, score kernel, bias, offsets kernel, bias.
"""
from __future__ import annotations

import torch
from torch import nn

from zoo.plugin import cell_votes


class Vote(nn.Module):
    """The vote vectorizer on a (h, w) map of `in_channels`."""

    def __init__(self, in_channels: int, in_size: tuple[int, int], filters: int, kernel: int = 1) -> None:
        super().__init__()
        self.hidden = nn.Sequential(nn.Conv2d(in_channels, filters, kernel, padding="same"), nn.ReLU(inplace=True))
        self.score = nn.Conv2d(filters, 1, 1)
        self.offsets = nn.Conv2d(filters, 4, 1)
        for conv in (self.hidden[0], self.score, self.offsets):
            nn.init.zeros_(conv.bias)
        for conv in (self.score, self.offsets):  # every cell weighs the same and votes its start box
            nn.init.zeros_(conv.weight)
        start = torch.from_numpy(cell_votes(*in_size)).T.reshape(1, 4, -1)
        self.register_buffer("start", start, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.hidden(x)
        weights = torch.softmax(self.score(hidden).flatten(2).float(), dim=-1)  # (N, 1, h*w)
        votes = self.start + self.offsets(hidden).flatten(2).float()             # (N, 4, h*w)
        return (votes * weights).sum(-1)


def vote(*, in_channels: int, in_size: tuple[int, int], filters: int, kernel: int = 1) -> Vote:
    """(N, C, h, w) -> (N, 4) xyxy."""
    return Vote(in_channels, in_size, filters, kernel)

"""Session-wide test setup.

TensorFlow and triton (which torchvision.ops pulls in through torch) each bundle LLVM; when
TensorFlow is imported first, importing triton aborts the process ("Option ... registered more
than once"). Tests that use both frameworks in one session therefore import torch's side first.
Users never hit this: each framework trains in its own process (`zoo compare` spawns one each).
"""
from __future__ import annotations

import importlib.util

if importlib.util.find_spec("torch") is not None and importlib.util.find_spec("torchvision") is not None:
    import torch  # noqa: F401
    import torchvision.ops  # noqa: F401

"""Box-preserving augmentation of one (image, box) pair, vectorized numpy.

Contract of `augment(image, box, spec, rng)`: returns an image of the same shape and dtype
(RGB uint8) and the box of the same object in it (normalized xyxy, float32). The object is never
cut: the random crop removes at most ``spec.crop`` of each margin *outside* the box and scales
the rest back to the input size; the zoom-out (``spec.expand``, half the time) puts the image on a
canvas up to 1 + expand times larger, filled with its mean colour, so objects get smaller. Draws
from `rng` in a fixed order (the zoom-out's last, and only when it is on), so the result is a pure
function of (image, box, spec, rng state).
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from zoo import boxes
from zoo.recipes import AugmentSpec

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def hflip(image: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror left-right; x1' = 1 - x2, x2' = 1 - x1."""
    return image[:, ::-1], boxes.mirror(np.asarray(box, np.float32)).astype(np.float32)


def crop(image: np.ndarray, box: np.ndarray, cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut shares `cuts` (left, top, right, bottom, each in [0, 1]) of the margins around `box`
    and resize back to the input size; the box follows."""
    h, w = image.shape[:2]
    margins = np.array([box[0], box[1], 1 - box[2], 1 - box[3]], np.float64).clip(0, 1) * [w, h, w, h]
    left, top, right, bottom = np.floor(margins * cuts).astype(int)
    x2, y2 = w - right, h - bottom
    if x2 - left < 2 or y2 - top < 2 or (left, top, right, bottom) == (0, 0, 0, 0):
        return image, box
    patch = Image.fromarray(np.ascontiguousarray(image[top:y2, left:x2]))
    out = np.asarray(patch.resize((w, h), Image.BILINEAR))
    px = np.asarray(box, np.float64) * [w, h, w, h] - [left, top, left, top]
    new = px / [x2 - left, y2 - top, x2 - left, y2 - top]
    return out, new.clip(0, 1).astype(np.float32)


def expand(image: np.ndarray, box: np.ndarray, scale: float, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Zoom out: put the image on a canvas `scale` times larger (filled with its mean colour) at
    `offset` (shares of the free room, x then y), resized back to the input size; the box follows."""
    h, w = image.shape[:2]
    big_w, big_h = max(w, round(w * scale)), max(h, round(h * scale))
    if (big_w, big_h) == (w, h):
        return image, box
    left, top = int((big_w - w) * offset[0]), int((big_h - h) * offset[1])
    canvas = np.empty((big_h, big_w, image.shape[2]), np.uint8)
    canvas[:] = image.reshape(-1, image.shape[2]).mean(0).round().astype(np.uint8)
    canvas[top:top + h, left:left + w] = image
    out = np.asarray(Image.fromarray(canvas).resize((w, h), Image.BILINEAR))
    new = (np.asarray(box, np.float64) * [w, h, w, h] + [left, top, left, top]) / [big_w, big_h, big_w, big_h]
    return out, new.clip(0, 1).astype(np.float32)


def jitter(image: np.ndarray, brightness: float, contrast: float, saturation: float) -> np.ndarray:
    """Multiply brightness, scale contrast about the mean grey, scale saturation about each pixel's grey."""
    x = image.astype(np.float32) * brightness
    grey = x @ _LUMA
    x = (x - grey.mean()) * contrast + grey.mean()
    grey = (x @ _LUMA)[:, :, None]
    x = (x - grey) * saturation + grey
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def augment(image: np.ndarray, box: np.ndarray, spec: AugmentSpec,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(image, box) after the augmentations `spec` turns on (see the module docstring)."""
    box = np.asarray(box, np.float32)
    flip, cuts, factors = rng.random() < 0.5, rng.random(4), rng.uniform(-1, 1, 3)
    if spec.crop > 0:
        image, box = crop(image, box, cuts * min(spec.crop, 1.0))
    if spec.hflip and flip:
        image, box = hflip(image, box)
    if spec.jitter > 0:
        b, c, s = 1 + factors * min(spec.jitter, 0.95)
        image = jitter(image, b, c, s)
    if spec.expand > 0:  # drawn after the others, so recipes without it keep their random stream
        zoom, scale, offset = rng.random() < 0.5, 1 + rng.random() * spec.expand, rng.random(2)
        if zoom:
            image, box = expand(image, box, scale, offset)
    return np.ascontiguousarray(image), box

"""Safe image decoding: any file PIL reads becomes RGB uint8 (H, W, 3), or a one-line DataError.

Contract of `load_image(path, size)`:
    * the EXIF orientation is applied (the image comes out as viewers display it, and
      annotation boxes are taken to refer to that displayed image, as labelImg/VOC tools do);
    * grayscale, grayscale+alpha, RGBA, palette, 16-bit and CMYK become RGB uint8; alpha is
      composited over black; 16-bit values are scaled 0..65535 -> 0..255;
    * JPEGs are decoded in draft mode (libjpeg DCT scaling by 1/2, 1/4 or 1/8) when ``size`` is at
      least half the file's size in both sides, then resized bilinearly to exactly ``size`` = (H, W);
    * a missing or undecodable file raises `DataError` naming the file, the problem and the fix;
      with ``tolerant=True`` a truncated or damaged file decodes as far as it can (the missing part grey).

`inspect_image(path)` is the cheap check readers run on every file before training (a full decode,
JPEGs in draft mode at 1/8 scale): it returns the displayed size and whether the file decodes only
tolerantly, and raises `DataError` for a file that does not decode at all.
"""
from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from zoo.errors import DataError

#: EXIF orientations that swap width and height
_SWAPS = {5, 6, 7, 8}
_ORIENTATION_TAG = 0x0112
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
                  Image.DecompressionBombError)
_FIX = "re-save it with an image editor or remove it from the annotations"


_tolerance_lock = threading.Lock()
_tolerant_users = 0


@contextmanager
def _tolerant() -> Iterator[None]:
    """Pillow's process-wide ``LOAD_TRUNCATED_IMAGES`` on while any tolerant decode runs (counted,
    so concurrent decodes in other threads never switch it off under each other)."""
    global _tolerant_users
    with _tolerance_lock:
        if _tolerant_users == 0:
            _tolerant.saved = ImageFile.LOAD_TRUNCATED_IMAGES  # type: ignore[attr-defined]
        _tolerant_users += 1
        ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        yield
    finally:
        with _tolerance_lock:
            _tolerant_users -= 1
            if _tolerant_users == 0:
                ImageFile.LOAD_TRUNCATED_IMAGES = _tolerant.saved  # type: ignore[attr-defined]


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION_TAG, 1) or 1)
    except _DECODE_ERRORS:
        return 1


def _problem(path: Path, exc: BaseException) -> DataError:
    if isinstance(exc, FileNotFoundError):
        return DataError(f"{path}: image file does not exist; restore it or remove it from the annotations")
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return DataError(f"{path}: cannot decode image ({detail}); {_FIX}")


def image_size(path: str | Path) -> tuple[int, int]:
    """(width, height) of the *displayed* image from the header only (EXIF rotation applied)."""
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                w, h = im.size
                return (h, w) if _orientation(im) in _SWAPS else (w, h)
    except (UnidentifiedImageError, *_DECODE_ERRORS) as exc:
        raise _problem(path, exc) from None


def _draft_decode(path: Path) -> tuple[int, int]:
    """Decode `path` fully but cheaply (JPEG: DCT scaling 1/8); the displayed (width, height)."""
    with Image.open(path) as im:
        w, h = im.size
        displayed = (h, w) if _orientation(im) in _SWAPS else (w, h)
        if im.format == "JPEG":
            im.draft(im.mode, (max(1, w // 8), max(1, h // 8)))
        im.load()
        return displayed


def inspect_image(path: str | Path) -> tuple[tuple[int, int], bool]:
    """((width, height) as displayed, damaged): `damaged` is True when the file decodes only
    tolerantly (truncated or damaged data); DataError when it does not decode at all."""
    path = Path(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _draft_decode(path), False
        except (UnidentifiedImageError, FileNotFoundError, Image.DecompressionBombError) as exc:
            raise _problem(path, exc) from None
        except _DECODE_ERRORS:
            pass
        try:
            with _tolerant():
                return _draft_decode(path), True
        except (UnidentifiedImageError, *_DECODE_ERRORS) as exc:
            raise _problem(path, exc) from None


def to_rgb(image: Image.Image) -> Image.Image:
    """`image` in mode RGB: 16-bit and float scaled to 8 bits, alpha composited over black."""
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(image, dtype=np.float64)
        scale = 255.0 / 65535.0 if mode != "F" and arr.max(initial=0) > 255 else 1.0
        gray = np.clip(np.rint(arr * scale), 0, 255).astype(np.uint8)
        return Image.fromarray(np.repeat(gray[:, :, None], 3, axis=2))
    if mode == "P":
        image = image.convert("RGBA") if "transparency" in image.info else image.convert("RGB")
        mode = image.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(black, rgba).convert("RGB")
    return image if mode == "RGB" else image.convert("RGB")


def load_image(path: str | Path, size: tuple[int, int] | None = None, *, tolerant: bool = False) -> np.ndarray:
    """The image at `path` as RGB uint8 (H, W, 3), resized to ``size`` = (H, W) when given;
    `tolerant` decodes a truncated or damaged file as far as it goes (see `inspect_image`)."""
    path = Path(path)
    try:
        with warnings.catch_warnings(), (_tolerant() if tolerant else nullcontext()):
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                orientation = _orientation(im)
                if size is not None and im.format == "JPEG":
                    h, w = size
                    stored = (h, w) if orientation in _SWAPS else (w, h)  # (width, height) as stored
                    im.draft(None, stored)
                im.load()
                out = ImageOps.exif_transpose(im) if orientation != 1 else im
                out = to_rgb(out)
                if size is not None and out.size != (size[1], size[0]):
                    out = out.resize((size[1], size[0]), Image.BILINEAR)
                return np.asarray(out, dtype=np.uint8)
    except (UnidentifiedImageError, *_DECODE_ERRORS) as exc:
        raise _problem(path, exc) from None


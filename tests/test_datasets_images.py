"""Safe decoding: every odd image mode becomes RGB uint8; bad files give one-line DataErrors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zoo.datasets.images import image_size, load_image
from zoo.errors import DataError


def save(tmp_path: Path, name: str, image: Image.Image, **kw: object) -> Path:
    path = tmp_path / name
    image.save(path, **kw)
    return path


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "1", "CMYK", "I;16"])
def test_modes_become_rgb_uint8(tmp_path: Path, mode: str) -> None:
    base = Image.fromarray(np.tile(np.arange(0, 240, 8, dtype=np.uint8), (20, 1)))  # 20 x 30 ramp
    image = base.convert(mode) if mode != "I;16" else Image.fromarray(np.asarray(base, np.uint16) * 257)
    name = "x.jpg" if mode == "CMYK" else "x.tiff" if mode in ("CMYK", "1") else "x.png"
    out = load_image(save(tmp_path, name, image))
    assert out.dtype == np.uint8 and out.shape == (20, 30, 3)
    if mode in ("L", "I;16"):
        np.testing.assert_allclose(out[0, :, 0], np.arange(0, 240, 8), atol=1)


def test_palette_transparency_composited_on_black(tmp_path: Path) -> None:
    image = Image.new("P", (4, 4), 1)
    image.putpalette([255, 0, 0] + [0, 255, 0] * 255)
    path = save(tmp_path, "p.png", image, transparency=1)
    assert load_image(path).max() == 0


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    arr = np.zeros((20, 40, 3), np.uint8)
    arr[:, :20] = (255, 0, 0)  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = save(tmp_path, "o.jpg", Image.fromarray(arr), exif=exif, quality=95)
    out = load_image(path)
    assert out.shape == (40, 20, 3) and image_size(path) == (20, 40)
    assert out[5, 10, 0] > 200 and out[35, 10, 0] < 60  # stored left is displayed top


def test_draft_mode_keeps_size_and_content(tmp_path: Path) -> None:
    yy, xx = np.mgrid[:800, :1200]
    arr = np.stack([xx % 256, yy % 256, (xx // 8) % 256], 2).astype(np.uint8)
    arr = np.asarray(Image.fromarray(arr).resize((300, 200)).resize((1200, 800)))
    path = save(tmp_path, "big.jpg", Image.fromarray(arr), quality=95)
    small = load_image(path, (64, 96))
    assert small.shape == (64, 96, 3)
    reference = np.asarray(Image.fromarray(arr).resize((96, 64), Image.BILINEAR), np.int16)
    assert np.abs(small.astype(np.int16) - reference).mean() < 8


@pytest.mark.parametrize("content", [b"", b"not an image at all", "truncated"])
def test_corrupt_and_truncated_raise_one_line(tmp_path: Path, content: object) -> None:
    path = tmp_path / "bad.jpg"
    if content == "truncated":
        save(tmp_path, "bad.jpg", Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)))
        path.write_bytes(path.read_bytes()[:600])
    else:
        path.write_bytes(content)  # type: ignore[arg-type]
    with pytest.raises(DataError) as info:
        load_image(path, (32, 32))
    message = str(info.value)
    assert "\n" not in message and str(path) in message and "cannot decode" in message


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_image(tmp_path / "nope.png")

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


RAMP = np.tile(np.arange(0, 240, 8, dtype=np.uint8), (20, 1))  # 20 x 30, columns 0, 8, ..., 232
ALPHA = np.repeat((np.arange(20, dtype=np.uint8) * 13)[:, None], 30, axis=1)  # rows 0 (clear) .. 247


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "1", "CMYK", "I;16"])
def test_modes_become_rgb_uint8(tmp_path: Path, mode: str) -> None:
    # guards: each mode's pixel values (not just the shape) and alpha composited over black
    rgb = np.stack([RAMP, 232 - RAMP, np.full_like(RAMP, 100)], 2)
    if mode == "LA":
        image = Image.fromarray(np.stack([RAMP, ALPHA], 2), "LA")
        expected = np.repeat((RAMP * (ALPHA / 255.0))[:, :, None], 3, 2)
    elif mode == "RGBA":
        image = Image.fromarray(np.concatenate([rgb, ALPHA[:, :, None]], 2), "RGBA")
        expected = rgb * (ALPHA / 255.0)[:, :, None]
    elif mode == "P":  # index k -> colour (8k, 232 - 8k, 100): the palette, not the index, is the pixel
        image = Image.fromarray(RAMP // 8, "P")
        image.putpalette([v for k in range(256) for v in (8 * k % 256, (232 - 8 * k) % 256, 100)])
        expected = rgb
    elif mode == "I;16":
        image = Image.fromarray(RAMP.astype(np.uint16) * 257)
        expected = np.repeat(RAMP[:, :, None], 3, 2)
    else:
        image = Image.fromarray(RAMP).convert(mode)
        # mode "1" is dithered by convert: expect the stored bits; the others keep the ramp
        grey = np.asarray(image).astype(np.uint8) * 255 if mode == "1" else RAMP
        expected = np.repeat(grey[:, :, None], 3, 2)
    name = "x.jpg" if mode == "CMYK" else "x.tiff" if mode == "1" else "x.png"
    out = load_image(save(tmp_path, name, image))
    assert out.dtype == np.uint8 and out.shape == (20, 30, 3)
    np.testing.assert_allclose(out, expected, atol=2 if mode == "CMYK" else 1)  # CMYK: JPEG rounding


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


def test_draft_mode_keeps_size_and_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # guards: a JPEG loaded small is decoded in draft mode (DCT-scaled, not full size), same content
    from PIL import JpegImagePlugin

    yy, xx = np.mgrid[:800, :1200]
    arr = np.stack([xx % 256, yy % 256, (xx // 8) % 256], 2).astype(np.uint8)
    arr = np.asarray(Image.fromarray(arr).resize((300, 200)).resize((1200, 800)))
    path = save(tmp_path, "big.jpg", Image.fromarray(arr), quality=95)
    decoded: list[tuple[int, int]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def draft(self, mode, size):  # type: ignore[no-untyped-def]
        result = original(self, mode, size)
        decoded.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", draft)
    small = load_image(path, (64, 96))
    assert small.shape == (64, 96, 3)
    assert decoded == [(150, 100)]  # 1/8 scale: the largest DCT scaling that still covers 96 x 64
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

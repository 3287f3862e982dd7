"""Fast drawing for interactive explorers: arrays to PNG bytes (no matplotlib on the hot path).

A 224x224 image goes through matplotlib in ~50-100 ms; through PIL in ~2 ms.
"""

import io

import numpy as np
from PIL import Image

DIVERGING = np.array([[33, 102, 172], [247, 247, 247], [178, 24, 43]], np.float32)  # blue-white-red


def to_uint8(values: np.ndarray, symmetric: bool = False, vmin=None, vmax=None) -> np.ndarray:
    """Scale an array into 0..255 (its own min..max, or -m..m around 0 when symmetric)."""
    values = np.asarray(values, np.float32)
    if symmetric:
        m = max(float(np.abs(values).max()), 1e-8) if vmax is None else vmax
        lo, hi = -m, m
    else:
        lo = float(values.min()) if vmin is None else vmin
        hi = float(values.max()) if vmax is None else vmax
    scaled = (values - lo) / max(hi - lo, 1e-8)
    return (np.clip(scaled, 0, 1) * 255).astype(np.uint8)


def colorize(values: np.ndarray, vmax=None) -> np.ndarray:
    """(H, W) signed values -> (H, W, 3) uint8: negative blue, zero white, positive red."""
    t = to_uint8(values, symmetric=True, vmax=vmax).astype(np.float32) / 255 * 2  # 0..2
    low = np.clip(t, 0, 1)[..., None]
    high = np.clip(t - 1, 0, 1)[..., None]
    rgb = np.where(t[..., None] <= 1, DIVERGING[0] + (DIVERGING[1] - DIVERGING[0]) * low,
                   DIVERGING[1] + (DIVERGING[2] - DIVERGING[1]) * high)
    return rgb.astype(np.uint8)


def png(array: np.ndarray, scale: int = 1) -> bytes:
    """(H, W) or (H, W, 3) uint8 -> PNG bytes, each pixel enlarged to scale x scale."""
    if scale > 1:
        array = array.repeat(scale, 0).repeat(scale, 1)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def fit_scale(shape, target: int = 224) -> int:
    """An integer enlargement that brings a small map near `target` pixels."""
    return max(1, target // max(shape[:2]))


def pil_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def tile_maps(maps: np.ndarray, order, ncols: int = 8, tile: int = 96) -> Image.Image:
    """Feature maps (C, H, W) as a labelled grid of viridis tiles, each scaled to its own range.

    The fast path for the feature-map explorer: ~20 ms for 16 maps, against ~500 ms for the
    same grid of matplotlib subplots.
    """
    from matplotlib import colormaps
    from PIL import ImageDraw

    order = [int(c) for c in order]
    rows = max(1, -(-len(order) // ncols))
    label = 14
    sheet = Image.new("RGB", (ncols * (tile + 4), rows * (tile + label + 4)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    viridis = colormaps["viridis"]
    for i, channel in enumerate(order):
        m = np.asarray(maps[channel], np.float32)
        scaled = (m - m.min()) / max(float(m.max() - m.min()), 1e-8)
        rgb = (viridis(scaled)[..., :3] * 255).astype(np.uint8)
        picture = Image.fromarray(rgb).resize((tile, tile), Image.Resampling.NEAREST)
        x, y = (i % ncols) * (tile + 4), (i // ncols) * (tile + label + 4)
        draw.text((x + 2, y), f"#{channel}", fill=(0, 0, 0))
        sheet.paste(picture, (x, y + label))
    return sheet

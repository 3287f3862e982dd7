"""A sample picture drawn by code (no download, no licence question): sky, sun, house, tree."""

import functools

import numpy as np
from PIL import Image, ImageDraw


@functools.cache
def sample_image(size: int = 224) -> np.ndarray:
    """(size, size, 3) uint8 RGB: a landscape with edges in every direction and flat areas."""
    s = size / 224
    sky = np.linspace([90, 150, 230], [200, 225, 250], size).astype(np.uint8)  # (size, 3)
    image = Image.fromarray(np.repeat(sky[:, None, :], size, axis=1))
    draw = ImageDraw.Draw(image)
    draw.ellipse([170 * s, 18 * s, 205 * s, 53 * s], fill=(255, 215, 40))               # sun
    draw.polygon([(0, 150 * s), (80 * s, 120 * s), (224 * s, 140 * s), (224 * s, 224 * s),
                  (0, 224 * s)], fill=(70, 150, 60))                                     # hill
    draw.rectangle([40 * s, 110 * s, 120 * s, 180 * s], fill=(190, 60, 50))               # house
    draw.polygon([(32 * s, 112 * s), (80 * s, 70 * s), (128 * s, 112 * s)], fill=(110, 40, 40))
    draw.rectangle([55 * s, 125 * s, 75 * s, 145 * s], fill=(240, 240, 200))              # window
    draw.line([(65 * s, 125 * s), (65 * s, 145 * s)], fill=(60, 40, 30), width=max(1, int(2 * s)))
    draw.line([(55 * s, 135 * s), (75 * s, 135 * s)], fill=(60, 40, 30), width=max(1, int(2 * s)))
    draw.rectangle([90 * s, 140 * s, 108 * s, 180 * s], fill=(80, 50, 30))               # door
    draw.rectangle([160 * s, 120 * s, 170 * s, 175 * s], fill=(100, 70, 40))             # trunk
    draw.ellipse([140 * s, 75 * s, 190 * s, 130 * s], fill=(40, 110, 45))                # crown
    rng = np.random.default_rng(0)
    array = np.asarray(image).astype(np.int16) + rng.integers(-6, 7, (size, size, 3))   # a little texture
    return np.clip(array, 0, 255).astype(np.uint8)


def grayscale(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W) float in [0, 1], with the usual luminance weights."""
    return (rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)) / 255

"""Draw a receptive field on an image (PIL only: fast enough for a slider)."""

import numpy as np
from PIL import Image, ImageDraw


def draw_field(image: np.ndarray, box: tuple[int, int, int, int], scale: int = 8) -> Image.Image:
    """image (H, W) or (H, W, 3) uint8; box (top, left, bottom, right) inclusive, in pixels.

    Pixels outside the box are dimmed; the box is outlined.
    """
    rgb = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
    dimmed = (rgb * 0.35).astype(np.uint8)
    top, left, bottom, right = box
    dimmed[top:bottom + 1, left:right + 1] = rgb[top:bottom + 1, left:right + 1]
    picture = Image.fromarray(dimmed).resize((rgb.shape[1] * scale, rgb.shape[0] * scale),
                                             Image.Resampling.NEAREST)
    ImageDraw.Draw(picture).rectangle((left * scale, top * scale, (right + 1) * scale - 1,
                                       (bottom + 1) * scale - 1), outline=(255, 200, 0), width=2)
    return picture

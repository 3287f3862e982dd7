"""A drawn digit made the way MNIST digits were made (compute only; the canvas is in widgets).

MNIST's recipe (LeCun et al.): each handwritten digit was size-normalised to fit a 20x20 box,
keeping its aspect ratio, anti-aliased to grey levels, and placed in a 28x28 image so that its
centre of mass sits at the centre. A digit drawn big in a corner of a canvas looks nothing like
that until it gets the same treatment.
"""

import numpy as np
from PIL import Image, ImageDraw

CANVAS = 280  # drawing surface in pixels (10x MNIST)


def render_strokes(strokes, size: int = CANVAS, width: float = 28.0) -> np.ndarray:
    """Strokes (lists of (x, y) points on a size x size canvas) -> ink (size, size) in [0, 1]."""
    scale = 4  # draw 4x larger and shrink: smooth, anti-aliased edges
    image = Image.new("L", (size * scale, size * scale), 0)
    draw = ImageDraw.Draw(image)
    radius = width * scale / 2
    for stroke in strokes:
        points = [(x * scale, y * scale) for x, y in stroke]
        if len(points) > 1:
            draw.line(points, fill=255, width=int(round(width * scale)), joint="curve")
        for x, y in points:  # round caps and single dots
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    image = image.resize((size, size), Image.Resampling.BOX)
    return np.asarray(image, dtype=np.float32) / 255


def mnist_style(ink: np.ndarray, box: int = 20, size: int = 28) -> np.ndarray:
    """Ink (H, W) in [0, 1], white on black -> uint8 (size, size) as MNIST made its digits.

    Crop to the ink's bounding box, scale the longer side to `box` pixels (anti-aliased), then
    place it so that its centre of mass is at the centre of the size x size image.
    """
    rows, cols = np.nonzero(ink > 0.05)
    if len(rows) == 0:
        return np.zeros((size, size), np.uint8)
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    height, width = crop.shape
    factor = box / max(height, width)
    new_size = (max(1, round(width * factor)), max(1, round(height * factor)))  # (W, H) for PIL
    small = Image.fromarray((crop * 255).astype(np.uint8)).resize(new_size, Image.Resampling.LANCZOS)
    small = np.asarray(small, dtype=np.float32)
    cy, cx = centre_of_mass(small)
    top, left = int(round(size / 2 - 0.5 - cy)), int(round(size / 2 - 0.5 - cx))
    top = min(max(top, 0), size - small.shape[0])   # keep the whole digit inside
    left = min(max(left, 0), size - small.shape[1])
    out = np.zeros((size, size), np.float32)
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return np.clip(out, 0, 255).astype(np.uint8)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre."""
    image = image.astype(np.float64)
    total = image.sum()
    return ((image.sum(1) * np.arange(image.shape[0])).sum() / total,
            (image.sum(0) * np.arange(image.shape[1])).sum() / total)


# Strokes for each digit on the 280-pixel canvas, as a person might draw them; tests and the
# notebook use them to check that drawn digits are recognised.
def _arc(cx, cy, rx, ry, start, end, steps=24):
    angles = np.linspace(np.radians(start), np.radians(end), steps)
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


EXAMPLE_STROKES = {
    0: [_arc(140, 140, 60, 90, 0, 360)],
    1: [[(120, 80), (150, 50), (150, 230)]],
    2: [_arc(140, 100, 55, 50, 200, 360) + [(190, 120), (90, 225), (200, 225)]],
    3: [_arc(135, 95, 50, 42, 210, 450) + _arc(135, 180, 55, 48, 270, 510)],
    4: [[(160, 50), (80, 170), (200, 170)], [(165, 90), (165, 240)]],
    5: [[(190, 55), (105, 55), (95, 130)] + _arc(140, 170, 60, 55, 240, 500)],
    6: [[(170, 50), (105, 140)] + _arc(140, 180, 50, 50, 190, 550)],
    7: [[(85, 60), (195, 60), (120, 235)]],
    8: [_arc(140, 95, 42, 45, 90, 450), _arc(140, 185, 52, 50, -90, 270)],
    9: [_arc(140, 100, 48, 45, 0, 360), [(188, 100), (170, 240)]],
}

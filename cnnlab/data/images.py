"""Turn a student's image file (any size, any mode) into a model input."""

import io

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from cnnlab.data.folder import fit, to_rgb


class NotAnImage(ValueError):
    """The uploaded file could not be read as an image."""


def open_rgb(blob: bytes) -> tuple[Image.Image, str]:
    """Decode any image file's bytes to RGB; return (image, its original mode) or raise NotAnImage."""
    try:
        with Image.open(io.BytesIO(blob)) as opened:
            opened.load()
            return to_rgb(opened), opened.mode
    except (UnidentifiedImageError, OSError, ValueError):
        raise NotAnImage("That file is not an image this notebook can read. Upload a PNG, "
                         "JPEG, GIF, BMP or WebP picture.") from None


def image_from_bytes(blob: bytes, size: int, channels: int, invert: bool = False):
    """Decode, convert, resize; return (uint8 tensor (1, C, size, size), a note on what changed)."""
    image, _ = open_rgb(blob)
    note = f"your {image.width}x{image.height} image was resized to {size}x{size}"
    image = fit(image, (size, size))
    if channels == 1:
        image = image.convert("L")
    array = np.asarray(image, dtype=np.uint8)
    if invert:  # MNIST digits are white on black; most drawings are black on white
        array = 255 - array
    array = array[None] if channels == 1 else array.transpose(2, 0, 1)
    return torch.from_numpy(array.copy()).unsqueeze(0), note


def read_image(blob: bytes, max_side: int = 512):
    """Any image file's bytes -> (H, W, 3) uint8 RGB (shrunk to max_side), and a note on what changed."""
    image, mode = open_rgb(blob)
    size = image.size
    notes = [] if mode == "RGB" else [f"converted from mode {mode} to RGB"]
    if max(size) > max_side:
        image.thumbnail((max_side, max_side))
        notes.append(f"shrunk from {size[0]}x{size[1]} to {image.width}x{image.height}")
    return np.asarray(image, dtype=np.uint8), "; ".join(notes) or "used as it is"

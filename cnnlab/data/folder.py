"""image_folder: a student's own dataset, one sub-folder per class."""

from collections import Counter
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from cnnlab.data.dataset import ImageDataset
from cnnlab.data.stats import channel_stats


def to_rgb(image: Image.Image) -> Image.Image:
    """Any PIL mode to RGB; transparency (RGBA, LA, palette with alpha) is laid on white."""
    image = ImageOps.exif_transpose(image)
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize the shorter side to fit, then centre-crop to exactly size (width, height)."""
    return ImageOps.fit(image, size, method=Image.Resampling.BILINEAR)


def image_folder(path: str | Path, size: int | tuple[int, int] | None = None,
                 grayscale: bool = False) -> ImageDataset:
    """Load `path/<class name>/<image>` files into an ImageDataset.

    Args:
        path: the folder holding one sub-folder per class (class names sorted alphabetically).
        size: output size (int or (width, height)); by default the most common size among
            the images. Other sizes are resized (shorter side) and centre-cropped.
        grayscale: one channel instead of three.

    Files that are not images are skipped; empty class folders are dropped. Both are listed
    in the result's `notes`.
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder. Put your images in "
                                f"{root}/<class name>/<image file>, one folder per class.")
    notes, found = [], []  # found: (file, class name, (width, height)) read from the headers only
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        count = 0
        for file in sorted(folder.rglob("*")):
            if not file.is_file() or file.name.startswith("."):
                continue
            try:
                with Image.open(file) as image:  # opening reads the header, not the pixels
                    found.append((file, folder.name, upright_size(image)))
                    count += 1
            except (UnidentifiedImageError, OSError, ValueError):
                notes.append(f"skipped {file.relative_to(root)}: not a readable image")
        if count == 0:
            notes.append(f"dropped class {folder.name!r}: its folder holds no images")
    if not found:
        raise ValueError(f"No images found under {root}. Expected {root}/<class name>/<image file> "
                         f"(found folders: {[f.name for f in folders] or 'none'}).")
    if size is None:
        size = Counter(image_size for _, _, image_size in found).most_common(1)[0][0]
    elif isinstance(size, int):
        size = (size, size)
    # Decode, shrink and keep one image at a time: a folder of 12-megapixel photos would need
    # 36 MB each if every full-size photo were kept until the end.
    arrays, names, resized = [], [], 0
    for file, name, image_size in found:
        try:
            with Image.open(file) as image:
                image.draft("RGB", size)  # JPEG: decode at 1/2, 1/4 or 1/8 scale when that is enough
                image = to_rgb(image)
        except (UnidentifiedImageError, OSError, ValueError):
            notes.append(f"skipped {file.relative_to(root)}: its pixels could not be read")
            continue
        if image.size != size or image_size != size:
            image, resized = fit(image, size), resized + 1
        array = np.asarray(image.convert("L") if grayscale else image, dtype=np.uint8)
        arrays.append(array[None] if grayscale else array.transpose(2, 0, 1))  # (C, H, W)
        names.append(name)
    if resized:
        notes.append(f"resized {resized} of {len(arrays)} images to {size[0]}x{size[1]}")
    classes = sorted(set(names))
    labels = torch.tensor([classes.index(name) for name in names], dtype=torch.int64)
    images = torch.from_numpy(np.stack(arrays))
    # Measured on the whole folder, so train, validation and test parts normalise alike.
    return ImageDataset(images, labels, classes, name=root.name, notes=notes,
                        statistics=channel_stats(images))


def upright_size(image: Image.Image) -> tuple[int, int]:
    """(width, height) as shown, after the camera's EXIF rotation (orientations 5-8 swap them)."""
    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block must not lose the image
        orientation = 1
    width, height = image.size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)

"""Drawing helpers: arrays in, matplotlib Figure out. No widgets here."""

import math

import matplotlib.pyplot as plt
import numpy as np
import torch


def to_display(image) -> np.ndarray:
    """(C, H, W) uint8 or float tensor/array to an (H, W) or (H, W, 3) array imshow understands."""
    array = image.detach().cpu().float().numpy() if torch.is_tensor(image) else np.asarray(image, float)
    if array.ndim == 3 and array.shape[0] in (1, 3):
        array = array.transpose(1, 2, 0)  # (H, W, C)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.max() > 1.0 + 1e-6:  # uint8 range
        array = array / 255.0
    return np.clip(array, 0.0, 1.0)


def show_images(images, labels=None, classes=None, ncols: int = 8, title: str | None = None,
                colors=None, size: float = 1.3) -> plt.Figure:
    """A grid of images with their class names underneath (colours per caption optional)."""
    count = len(images)
    ncols = min(ncols, count)
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + 0.3) * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= count:
            continue
        shown = to_display(images[i])
        ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0, vmax=1)
        if labels is not None:
            label = labels[i] if isinstance(labels[i], str) else int(labels[i])
            text = classes[label] if classes is not None and not isinstance(label, str) else str(label)
            ax.set_title(text, fontsize=8, color="black" if colors is None else colors[i])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_array(values, title: str = "", cmap: str = "gray", ax=None, annotate: bool = True,
               fmt: str = "{:.2f}", vmin=None, vmax=None):
    """Draw a small 2-D array as an image with its numbers written in the cells."""
    values = np.asarray(values.detach().cpu() if torch.is_tensor(values) else values, dtype=float)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(0.45 * values.shape[1] + 1, 0.45 * values.shape[0] + 0.6))
    ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    if annotate and values.size <= 400:
        middle = (np.nanmax(values) + np.nanmin(values)) / 2
        for (r, c), v in np.ndenumerate(values):
            ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=7,
                    color="black" if v > middle else "white")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    return ax.figure if own else ax

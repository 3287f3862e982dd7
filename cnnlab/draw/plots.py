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


def plot_history(history: list[dict], title: str = "") -> plt.Figure:
    """Loss and accuracy per epoch; the epoch with the lowest validation loss is marked.

    After that epoch the validation loss rises while the training loss keeps falling:
    the network starts to memorise the training images (overfitting).
    """
    epochs = [h["epoch"] for h in history]
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 3.4))
    for key, style in (("train_loss", "-o"), ("val_loss", "-s")):
        if history and key in history[0]:
            loss_ax.plot(epochs, [h[key] for h in history], style, label=key.replace("_", " "))
    for key, style in (("train_accuracy", "-o"), ("val_accuracy", "-s")):
        if history and key in history[0]:
            acc_ax.plot(epochs, [h[key] for h in history], style, label=key.replace("_", " "))
    if history and "val_loss" in history[0]:
        best = min(history, key=lambda h: h["val_loss"])
        loss_ax.axvline(best["epoch"], color="gray", ls="--")
        loss_ax.annotate(f"best: epoch {best['epoch']}", (best["epoch"], best["val_loss"]),
                         textcoords="offset points", xytext=(5, 10), fontsize=8)
    loss_ax.set(xlabel="epoch", ylabel="loss", title="loss")
    acc_ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix, classes: list[str], title: str = "confusion matrix") -> plt.Figure:
    """Rows: the true class; columns: the predicted class; numbers are image counts."""
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(0.55 * len(classes) + 2.5, 0.55 * len(classes) + 2))
    ax.imshow(matrix, cmap="Blues")
    for (r, c), v in np.ndenumerate(matrix):
        ax.text(c, r, str(v), ha="center", va="center", fontsize=7,
                color="white" if v > matrix.max() / 2 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    fig.tight_layout()
    return fig


def plot_probabilities(probabilities, classes: list[str], image=None, title: str = "") -> plt.Figure:
    """An image beside a bar chart of the model's class probabilities."""
    probabilities = np.asarray(probabilities)
    fig, axes = plt.subplots(1, 2 if image is not None else 1, figsize=(7, 2.6), squeeze=False)
    bars = axes[0, -1]
    bars.barh(range(len(classes)), probabilities, color="tab:blue")
    bars.set_yticks(range(len(classes)), classes, fontsize=8)
    bars.invert_yaxis()
    bars.set_xlim(0, 1)
    bars.set_xlabel("probability")
    if image is not None:
        shown = to_display(image)
        axes[0, 0].imshow(shown, cmap="gray" if shown.ndim == 2 else None)
        axes[0, 0].axis("off")
    fig.suptitle(title or f"prediction: {classes[int(probabilities.argmax())]}")
    fig.tight_layout()
    return fig


def plot_filters(weight, title: str = "first-layer filters", ncols: int = 16) -> plt.Figure:
    """Filters (K, 3, h, w) drawn as small colour images, each scaled to its own range."""
    weight = weight.detach().cpu().float()
    low = weight.flatten(1).min(1).values.view(-1, 1, 1, 1)
    high = weight.flatten(1).max(1).values.view(-1, 1, 1, 1)
    scaled = (weight - low) / (high - low).clamp(min=1e-8)
    if scaled.shape[1] not in (1, 3):
        scaled = scaled[:, :1]
    return show_images(scaled, ncols=ncols, title=title, size=0.7)


def overlay(ax, image, heatmap, title: str = "", alpha: float = 0.5) -> None:
    """Draw an image with a heatmap (H, W in [0, 1]) laid over it."""
    ax.imshow(to_display(image))
    ax.imshow(heatmap.detach().cpu().numpy() if torch.is_tensor(heatmap) else heatmap,
              cmap="jet", alpha=alpha, vmin=0, vmax=1, extent=(-0.5, image.shape[-1] - 0.5, image.shape[-2] - 0.5, -0.5))
    ax.set_title(title, fontsize=8)
    ax.axis("off")

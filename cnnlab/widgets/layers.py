"""Notebooks 04 and 05: an activation explorer and a pooling explorer."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from cnnlab.concepts import xo
from cnnlab.concepts.activations import ACTIVATIONS
from cnnlab.concepts.kernels import KERNELS, apply_kernel
from cnnlab.concepts.pooling import pool
from cnnlab.concepts.sample import grayscale, sample_image
from cnnlab.draw.render import colorize, fit_scale, png
from cnnlab.widgets.base import Explorer, figure_png, image_widget


def activation_curve(name: str) -> bytes:
    """The function's curve on [-4, 4] as PNG (drawn once per function and cached)."""
    if name not in _CURVES:
        x = torch.linspace(-4, 4, 200)
        fig, ax = plt.subplots(figsize=(3, 2.4))
        ax.plot(x, ACTIVATIONS[name](x), lw=2)
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
        ax.set_title(name, fontsize=9)
        fig.tight_layout()
        _CURVES[name] = figure_png(fig)
    return _CURVES[name]


_CURVES: dict[str, bytes] = {}


def sources(image: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Feature maps to explore: the X through the diagonal filter, and a real image's edges."""
    gray = grayscale(sample_image() if image is None else image)
    edges = apply_kernel(gray, np.array(KERNELS["vertical edges"], np.float32), padding=1)
    return {"X feature map (diagonal \\)": xo.feature_maps(xo.X)[0],
            "image: vertical edges": edges}


class ActivationExplorer(Explorer):
    """Choose an activation; see its curve and what it does to a feature map."""

    describe = "Activations: pick a function and a feature map to see the map before and after it"

    def __init__(self, image=None):
        self.maps = sources(image)
        self.controls = {
            "function": widgets.Dropdown(options=list(ACTIVATIONS), value="ReLU", description="function"),
            "source": widgets.Dropdown(options=list(self.maps), description="feature map"),
        }
        self.curve, self.before, self.after = image_widget(240), image_widget(240), image_widget(240)
        self.caption = widgets.HTML()
        self.wire(widgets.HBox(list(self.controls.values())),
                  widgets.HBox([self.curve, self.before, self.after]), self.caption)

    def update(self) -> dict:
        name, source = self.controls["function"].value, self.controls["source"].value
        fmap = self.maps[source]
        out = ACTIVATIONS[name](torch.from_numpy(np.asarray(fmap, np.float32))).numpy()
        scale = fit_scale(fmap.shape, 240)
        self.curve.value = activation_curve(name)
        self.before.value = png(colorize(fmap), scale)
        self.after.value = png(colorize(out, vmax=float(np.abs(fmap).max())), scale)
        negatives = int((fmap < 0).sum())
        self.caption.value = (f"left: {name}; middle: the map before ({negatives} negative values, blue); "
                              f"right: after — {int((out < 0).sum())} negative values remain")
        return {"error": None, "output": out, "negatives_before": negatives,
                "negatives_after": int((out < 0).sum())}


class PoolingExplorer(Explorer):
    """max / min / average pooling with a chosen window and stride, on the X/O maps or an image."""

    describe = "Pooling: pick max, min or average pooling, a window and a stride, and see the map shrink"

    def __init__(self, image=None):
        self.maps = sources(image)
        self.controls = {
            "source": widgets.Dropdown(options=list(self.maps), description="feature map"),
            "mode": widgets.ToggleButtons(options=["max", "min", "avg"], value="max", description="pooling"),
            "window": widgets.IntSlider(value=2, min=1, max=8, description="window", continuous_update=False),
            "stride": widgets.IntSlider(value=2, min=1, max=8, description="stride", continuous_update=False),
        }
        self.before, self.after = image_widget(240), image_widget(240)
        self.caption = widgets.HTML()
        self.wire(widgets.HBox([widgets.VBox([self.controls["source"], self.controls["mode"]]),
                                widgets.VBox([self.controls["window"], self.controls["stride"]])]),
                  widgets.HBox([self.before, self.after]), self.caption)

    def update(self) -> dict:
        fmap = np.maximum(self.maps[self.controls["source"].value], 0)  # pooling follows ReLU
        window, stride = self.controls["window"].value, self.controls["stride"].value
        try:
            out = pool(torch.from_numpy(np.asarray(fmap, np.float32))[None, None],
                       self.controls["mode"].value, window, stride)[0, 0].numpy()
        except ValueError as error:
            return {"error": str(error)}
        vmax = float(fmap.max())
        self.before.value = png(colorize(fmap, vmax=vmax), fit_scale(fmap.shape, 240))
        self.after.value = png(colorize(out, vmax=vmax), fit_scale(out.shape, 240))
        self.caption.value = (f"{fmap.shape[1]}×{fmap.shape[0]} → {out.shape[1]}×{out.shape[0]}: "
                              f"{fmap.size} numbers become {out.size} "
                              f"({100 * out.size / fmap.size:.0f} %)")
        return {"error": None, "output": out, "shape": out.shape}

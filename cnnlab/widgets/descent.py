"""Notebook 06's learning-rate explorer: one weight, one loss, gradient descent at a chosen rate."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from cnnlab.widgets.base import Explorer, figure_png, image_widget


def verdict(losses, lowest: float, weights=None) -> str:
    """Read a descent: 'diverges', 'too small' (still creeping down), 'converges', or, when the
    steps change direction (jumping past the bottom), 'overshoots, converges' or 'zig-zags' (not there yet)."""
    losses = np.asarray(losses, float)
    if not np.isfinite(losses).all() or losses[-1] > losses[0]:
        return "diverges"
    done = (losses[0] - losses[-1]) / max(losses[0] - lowest, 1e-12)  # share of the way down
    steps = np.diff(np.asarray(weights, float)) if weights is not None else np.zeros(1)
    overshoots = bool(np.any(steps[1:] * steps[:-1] < 0))              # a step back: it jumped past the bottom
    if overshoots:
        return "overshoots, converges" if done > 0.99 else "zig-zags"
    return "converges" if done > 0.99 else "too small"


class LearningRateExplorer(Explorer):
    """`descend(rate, steps) -> list of weights` is the student's; `loss(w)` gives the curve."""

    describe = "Gradient descent: a learning-rate slider and a step count redraw the path downhill and the loss after each step"

    def __init__(self, descend, loss, rate: float = 0.1, steps: int = 20, span=(-1.0, 4.0)):
        self.descend, self.loss, self.span = descend, loss, span
        self.controls = {
            "rate": widgets.FloatLogSlider(value=rate, base=10, min=-3, max=0.5, step=0.05,
                                           description="learning rate", continuous_update=False,
                                           readout_format=".3f"),
            "steps": widgets.IntSlider(value=steps, min=1, max=60, description="steps",
                                       continuous_update=False),
        }
        self.picture, self.caption = image_widget(640), widgets.HTML()
        self.wire(widgets.HBox(list(self.controls.values())), self.picture, self.caption)

    def update(self) -> dict:
        weights = np.asarray(self.descend(self.controls["rate"].value, self.controls["steps"].value), float)
        with np.errstate(over="ignore", invalid="ignore"):
            losses = np.array([self.loss(w) for w in weights])
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
        grid = np.linspace(*self.span, 200)
        left.plot(grid, [self.loss(w) for w in grid], color="gray")
        shown = np.isfinite(losses) & (np.abs(weights) < 1e6)
        left.plot(weights[shown], losses[shown], "o-", color="crimson", markersize=3)
        left.set(xlim=self.span, ylim=(0, 1.2 * max(self.loss(self.span[0]), self.loss(self.span[1]))),
                 xlabel="weight w", ylabel="loss", title="the path on the loss curve")
        right.semilogy(np.arange(len(losses))[shown], np.maximum(losses[shown], 1e-12), "o-", markersize=3)
        right.set(xlabel="step", ylabel="loss (log scale)", title="loss per step")
        fig.tight_layout()
        self.picture.value = figure_png(fig)
        how = verdict(losses, min(self.loss(w) for w in grid), weights)
        self.caption.value = f"<b>{how}</b>: loss {losses[0]:.3g} → {losses[-1]:.3g} after {len(losses) - 1} steps"
        return {"error": None, "weights": weights, "losses": losses, "verdict": how}

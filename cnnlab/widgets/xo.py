"""Notebook 02's drawing board: a 9x9 grid; every click redraws the feature maps and the vote."""

import ipywidgets as widgets
import numpy as np

from cnnlab.concepts import xo
from cnnlab.draw.render import colorize, png
from cnnlab.widgets.base import Shown, image_widget
from cnnlab.widgets.pixelgrid import PixelGrid


class XODrawing(Shown):
    """Draw on the grid; `result` holds maps, pooled maps, votes and the answer after each click."""

    describe = "The X/O drawing board: click cells of the 9×9 grid to redraw the feature maps, the pooled maps and the vote"

    def __init__(self, start: np.ndarray | None = None):
        self.grid = PixelGrid(9, 9, on_change=lambda values: self.refresh(), cell_px=22)
        self.maps = {name: image_widget(110) for name in xo.FILTERS}
        self.pooled = {name: image_widget(110) for name in xo.FILTERS}
        self.answer = widgets.HTML()
        columns = [widgets.VBox([widgets.HTML(f"<b>{name}</b>"), self.maps[name], self.pooled[name]])
                   for name in xo.FILTERS]
        self.widget = widgets.HBox([self.grid.widget, widgets.VBox([widgets.HBox(columns), self.answer])])
        self.result = None
        self.grid.set((xo.X if start is None else start) > 0)

    def image(self) -> np.ndarray:
        return np.where(self.grid.values > 0, 1.0, -1.0)  # on = stroke (+1), off = background (-1)

    def refresh(self) -> None:
        image = self.image()
        maps = xo.feature_maps(image)
        pooled = xo.pooled(xo.relu(maps))
        votes = xo.vote(image)
        for i, name in enumerate(xo.FILTERS):
            self.maps[name].value = png(colorize(maps[i], vmax=1), scale=14)
            self.pooled[name].value = png(colorize(pooled[i], vmax=1), scale=30)
        answer = max(votes, key=votes.get)
        self.answer.value = (f"feature maps (7×7, top) → ReLU → max-pool 2×2 (3×3, bottom) → vote: "
                             f"X {votes['X']:+.2f}, O {votes['O']:+.2f} → <b>it looks like {answer}</b>")
        self.result = {"maps": maps, "pooled": pooled, "votes": votes, "answer": answer}

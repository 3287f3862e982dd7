"""A grid of clickable cells for drawing small images (the X/O toy, a digit)."""

import ipywidgets as widgets
import numpy as np

from cnnlab.widgets.base import Shown


class PixelGrid(Shown):
    """rows x cols toggle cells; `values` is a float array (1 = on, 0 = off).

    `on_change(values)` is called after every click; `set(values)` fills the grid from code.
    """

    describe = "A grid of cells to click on and off"

    def __init__(self, rows: int, cols: int, on_change=None, cell_px: int = 18):
        self.rows, self.cols, self.on_change = rows, cols, on_change
        layout = widgets.Layout(width=f"{cell_px}px", height=f"{cell_px}px", padding="0", margin="0")
        self.cells = [widgets.ToggleButton(value=False, layout=layout, tooltip=f"{r},{c}")
                      for r in range(rows) for c in range(cols)]
        for cell in self.cells:
            cell.observe(self._changed, names="value")
        self.clear_button = widgets.Button(description="clear")
        self.clear_button.on_click(lambda _: self.set(np.zeros((rows, cols))))
        self.grid = widgets.GridBox(self.cells, layout=widgets.Layout(
            grid_template_columns=f"repeat({cols}, {cell_px}px)", grid_gap="1px"))
        self.widget = widgets.VBox([self.grid, self.clear_button])
        self._quiet = False

    @property
    def values(self) -> np.ndarray:
        return np.array([c.value for c in self.cells], dtype=np.float32).reshape(self.rows, self.cols)

    def set(self, values) -> None:
        self._quiet = True  # one callback for the whole update, not one per cell
        for cell, v in zip(self.cells, np.asarray(values).ravel()):
            cell.value = bool(v > 0)
        self._quiet = False
        self._changed()

    def click(self, row: int, col: int) -> None:
        """Toggle one cell, as a mouse click would."""
        cell = self.cells[row * self.cols + col]
        cell.value = not cell.value

    def _changed(self, change=None) -> None:
        for cell in self.cells:
            cell.button_style = "info" if cell.value else ""
        if not self._quiet and self.on_change:
            self.on_change(self.values)

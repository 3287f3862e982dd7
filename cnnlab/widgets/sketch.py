"""Draw a digit free-hand: an ipycanvas canvas, or the toggle grid where the canvas cannot show.

ipycanvas (a maintained Jupyter widget for the browser's Canvas API) delivers the mouse or pen
events; the strokes are kept in Python, rendered and preprocessed as MNIST digits were
(cnnlab.concepts.digits), and handed to `on_change(image)` after each stroke.
"""

import ipywidgets as widgets
import numpy as np
from PIL import Image

from cnnlab.concepts.digits import CANVAS, mnist_style, render_strokes
from cnnlab.widgets.base import Shown
from cnnlab.widgets.frontend import canvas_problem
from cnnlab.widgets.pixelgrid import PixelGrid

CANVAS_FIXES = {"not installed": 'pip install "ipycanvas>=0.13", then restart JupyterLab',
                "no extension": 'pip install --force-reinstall "ipycanvas>=0.13" in the environment '
                                "that runs JupyterLab, then restart it"}


class DigitCanvas(Shown):
    """A 280x280 drawing surface. `strokes` holds what was drawn; `image` is the 28x28 digit.

    Tests and notebooks can draw without a mouse: `canvas.draw([[(x, y), ...], ...])`.
    """

    describe = "A drawing board: draw a digit with the mouse or a pen and the network says which it is"

    def __init__(self, on_change=None, line_width: float = 28.0, use_canvas: bool | None = None):
        self.on_change, self.line_width = on_change, line_width
        self.strokes: list[list[tuple[float, float]]] = []
        self.image = np.zeros((28, 28), np.uint8)
        self.clear_button = widgets.Button(description="clear")
        self.clear_button.on_click(lambda _: self.clear())
        # The canvas only where it will show: ipycanvas installed and its frontend extension found
        # (or a frontend that brings its own). Elsewhere the toggle grid, coarser (14x14 cells).
        problem = canvas_problem()
        if not (problem is None if use_canvas is None else use_canvas):
            self.canvas = None
            self.grid = PixelGrid(14, 14, on_change=self._grid_changed)
            why = f"ipycanvas {problem}" if problem else "the canvas is switched off"
            self.widget = widgets.VBox([widgets.HTML(f"Click cells to draw ({why}). To draw free-hand: "
                                                     f"{CANVAS_FIXES.get(problem, 'see cnnlab doctor')}"),
                                        self.grid.widget])
            return
        from ipycanvas import Canvas

        self.canvas = Canvas(width=CANVAS, height=CANVAS, layout=widgets.Layout(
            width=f"{CANVAS}px", height=f"{CANVAS}px", border="1px solid #999"))
        self.canvas.fill_style = "black"
        self.canvas.fill_rect(0, 0, CANVAS, CANVAS)
        self.canvas.stroke_style, self.canvas.line_width = "white", line_width
        self.canvas.line_cap = self.canvas.line_join = "round"
        self.canvas.on_mouse_down(self._down)
        self.canvas.on_mouse_move(self._move)
        self.canvas.on_mouse_up(self._up)
        self.canvas.on_mouse_out(self._up)
        self._drawing = False
        self.widget = widgets.VBox([self.canvas, self.clear_button])

    # --- mouse / pen ----------------------------------------------------------------------
    def _down(self, x, y):
        self._drawing = True
        self.strokes.append([(x, y)])

    def _move(self, x, y):
        if self._drawing:
            (px, py) = self.strokes[-1][-1]
            self.strokes[-1].append((x, y))
            self.canvas.stroke_line(px, py, x, y)

    def _up(self, x, y):
        if self._drawing:
            self._drawing = False
            self._changed()

    # --- from code ------------------------------------------------------------------------
    def draw(self, strokes) -> np.ndarray:
        """Add strokes as if drawn by hand; returns the 28x28 digit."""
        for stroke in strokes:
            stroke = [(float(x), float(y)) for x, y in stroke]
            self.strokes.append(stroke)
            if self.canvas is not None and len(stroke) > 1:
                self.canvas.stroke_lines(stroke)
        self._changed()
        return self.image

    def clear(self) -> None:
        self.strokes = []
        if self.canvas is not None:
            self.canvas.fill_rect(0, 0, CANVAS, CANVAS)
        else:
            self.grid.set(np.zeros((14, 14)))
        self.image = np.zeros((28, 28), np.uint8)

    def _changed(self) -> None:
        ink = render_strokes(self.strokes, CANVAS, self.line_width)
        self.image = mnist_style(ink)
        if self.on_change and self.strokes:
            self.on_change(self.image)

    def fallback_picture(self) -> Image.Image:
        """The digit as the network sees it (28x28, enlarged): the canvas itself is not a picture."""
        return Image.fromarray(self.image.repeat(5, 0).repeat(5, 1)).convert("RGB")

    def _grid_changed(self, values) -> None:
        big = np.kron(values, np.ones((20, 20)))  # 14x14 cells -> 280x280 ink
        self.image = mnist_style(big.astype(np.float32))
        if self.on_change:
            self.on_change(self.image)

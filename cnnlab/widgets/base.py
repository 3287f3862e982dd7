"""The shared wiring of every explorer: controls in, compute, draw, show; `result` for tests."""

import base64
import io
import re
import time

import ipywidgets as widgets
import numpy as np
from PIL import Image

WHERE_LIVE = "live in JupyterLab, Notebook 7, VS Code or Colab; shown here as first drawn"


class Shown:
    """Displays `self.widget` live, and beside it a picture of its current state and one line of
    text (`describe`), for places that draw no widgets: GitHub's preview, nbconvert's HTML, a
    frontend without the widget manager, a saved notebook. A widget frontend shows the live view
    (it ranks the widget above the picture); the others fall back to the picture and the text.
    """

    describe = "An interactive explorer"
    widget: widgets.Widget

    def fallback_picture(self) -> Image.Image | None:
        """The pictures inside the widget, laid out as its boxes lay them out."""
        return compose(self.widget)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        line = f"{self.describe} ({WHERE_LIVE})."
        picture = self.fallback_picture()
        if picture is not None:   # the line goes into the picture too: HTML exports and GitHub show only the picture
            bundle["image/png"] = base64.b64encode(_png(captioned(picture, line))).decode("ascii")
        bundle["text/plain"] = line
        return bundle


def compose(widget) -> Image.Image | None:
    """One image of every widgets.Image inside `widget`: HBox children side by side, others stacked."""
    if isinstance(widget, widgets.Image):
        return Image.open(io.BytesIO(widget.value)).convert("RGB") if widget.value else None
    cells = getattr(widget, "children", ())
    if isinstance(widget, widgets.GridBox) and cells and all(isinstance(c, widgets.ToggleButton) for c in cells):
        return _cells(widget)
    parts = [p for p in (compose(child) for child in cells) if p is not None]
    if not parts:
        return None
    across = isinstance(widget, widgets.HBox)
    gap = 6
    width = sum(p.width for p in parts) + gap * (len(parts) - 1) if across else max(p.width for p in parts)
    height = max(p.height for p in parts) if across else sum(p.height for p in parts) + gap * (len(parts) - 1)
    canvas, offset = Image.new("RGB", (width, height), "white"), 0
    for part in parts:
        canvas.paste(part, (offset, 0) if across else (0, offset))
        offset += (part.width if across else part.height) + gap
    return canvas


def _cells(grid: widgets.GridBox, cell: int = 14) -> Image.Image:
    """A grid of toggle buttons (cnnlab.widgets.pixelgrid) as a picture: on cells blue, off grey."""
    columns = int(re.search(r"repeat\((\d+)", grid.layout.grid_template_columns or "repeat(1").group(1))
    values = np.array([c.value for c in grid.children], bool).reshape(-1, columns)
    picture = np.where(values[..., None], np.array([31, 119, 180], np.uint8), np.array([225, 225, 225], np.uint8))
    picture = picture.repeat(cell, 0).repeat(cell, 1)
    picture[::cell, :], picture[:, ::cell] = 255, 255     # white lines between the cells
    return Image.fromarray(picture)


def captioned(picture: Image.Image, text: str, size: int = 13) -> Image.Image:
    """The picture with `text` below it, wrapped to the picture's width (at least 360 pixels)."""
    from matplotlib import font_manager
    from PIL import ImageDraw, ImageFont

    # matplotlib's own DejaVu Sans: Pillow's built-in font has no ×, → or ⌊ (they came out as boxes)
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)
    width = max(picture.width, 360)
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and font.getlength(trial) > width - 8:
            lines.append(line)
            trial = word
        line = trial
    lines.append(line)
    step = size + 4
    canvas = Image.new("RGB", (width, picture.height + 6 + step * len(lines)), "white")
    canvas.paste(picture, (0, 0))
    draw = ImageDraw.Draw(canvas)
    for i, text_line in enumerate(lines):
        draw.text((4, picture.height + 4 + i * step), text_line, fill=(60, 60, 60), font=font)
    return canvas


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


class Explorer(Shown):
    """Subclasses set `self.controls` (name -> widget) and implement `update() -> result`.

    Any control change calls `refresh()`, which stores the result, and how long it took
    (`last_seconds`), so tests and benchmarks can drive the explorer without a browser:
    `explorer.stride.value = 2; explorer.result[...]`.
    """

    controls: dict

    def wire(self, *rows) -> None:
        for name, control in self.controls.items():
            setattr(self, name, control)
            control.observe(lambda change: self.refresh(), names="value")
        self.message = widgets.HTML()
        self.widget = widgets.VBox([*rows, self.message])
        self.result = None
        self.refresh()

    def refresh(self) -> None:
        start = time.perf_counter()
        try:
            self.result = self.update()
        except Exception as problem:  # noqa: BLE001 - shown to the student, not lost in Lab's log
            # An exception in a widget callback goes to JupyterLab's log console, and the
            # student sees a frozen widget: say it here, in the widget, instead.
            self.result = {"error": f"this setting failed ({type(problem).__name__}: {problem}). "
                                    "Change a control to try again; the last picture is kept."}
        error = self.result.get("error") if isinstance(self.result, dict) else None
        self.message.value = (f"<div style='color:#b00020;padding:4px'>⚠ {error}</div>" if error else "")
        self.last_seconds = time.perf_counter() - start

    def update(self):
        raise NotImplementedError


def image_widget(width: int = 240) -> widgets.Image:
    return widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px", min_width=f"{width}px"))


def figure_png(fig) -> bytes:
    """Render a matplotlib Figure to PNG bytes and close it (the figure never stacks up)."""
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()

"""The shared wiring of every explorer: controls in, compute, draw, show; `result` for tests."""

import time

import ipywidgets as widgets


class Explorer:
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

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


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

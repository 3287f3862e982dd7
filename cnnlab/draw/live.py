"""A figure that redraws in place during training (no clear_output, which breaks nbval)."""

import matplotlib.pyplot as plt


class LiveFigure:
    """Show a figure once, then replace it in the same output area on each update."""

    def __init__(self, draw):
        self.draw = draw  # draw(*args) -> Figure
        self.handle = None

    def update(self, *args) -> None:
        from IPython.display import display

        fig = self.draw(*args)
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)
        plt.close(fig)

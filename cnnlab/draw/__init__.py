"""Arrays to pictures: matplotlib figures (plots), images for widgets (render), drawings of a
convolution and of a receptive field, and figures that update while a cell runs (live).

May import cnnlab.concepts only. Notebooks import from this folder (`from cnnlab.draw import
show_images`); code inside cnnlab imports from the module.
"""

from cnnlab.draw.live import LiveFigure
from cnnlab.draw.plots import (
    overlay,
    plot_confusion_matrix,
    plot_filters,
    plot_history,
    plot_probabilities,
    show_array,
    show_images,
)

__all__ = ["LiveFigure", "overlay", "plot_confusion_matrix", "plot_filters", "plot_history",
           "plot_probabilities", "show_array", "show_images"]

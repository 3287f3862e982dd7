"""cnnlab: the plumbing behind the CNN workbook (data, training, drawing, widgets)."""

from cnnlab.runtime import device

__all__ = ["device"]
__version__ = "0.1.0"

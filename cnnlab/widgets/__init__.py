"""Interactive explorers, wiring only: what they show is computed in cnnlab.concepts and drawn
in cnnlab.draw; every explorer also leaves a picture and a line of text (widgets/base.py).

May import cnnlab.concepts and cnnlab.draw. Notebooks import from this folder
(`from cnnlab.widgets import KernelOnImage`); code inside cnnlab imports from the module.
"""

from cnnlab.widgets.convolution import ConvolutionArithmetic, KernelOnImage
from cnnlab.widgets.descent import LearningRateExplorer
from cnnlab.widgets.inside import FeatureMapExplorer
from cnnlab.widgets.layers import ActivationExplorer, PoolingExplorer
from cnnlab.widgets.receptive import ReceptiveFieldExplorer, feature_layers
from cnnlab.widgets.sketch import DigitCanvas
from cnnlab.widgets.xo import XODrawing

__all__ = ["ActivationExplorer", "ConvolutionArithmetic", "DigitCanvas", "FeatureMapExplorer",
           "KernelOnImage", "LearningRateExplorer", "PoolingExplorer", "ReceptiveFieldExplorer",
           "XODrawing", "feature_layers"]

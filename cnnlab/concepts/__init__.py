"""What notebooks 01-06 compute: convolution and its arithmetic, kernels, activations, pooling,
the X/O toy, the receptive field, the sample image and digits, and what a network's layers see.

May import nothing from cnnlab (only torch, numpy, Pillow). Notebooks import from this folder
(`from cnnlab.concepts import conv2d_naive`); code inside cnnlab imports from the module.
"""

from cnnlab.concepts import xo
from cnnlab.concepts.activations import ACTIVATIONS, stacked_linear_convs_collapse
from cnnlab.concepts.conv import (
    conv2d_naive,
    output_size,
    pool2d_naive,
    receptive_field,
    same_padding,
)
from cnnlab.concepts.digits import EXAMPLE_STROKES, mnist_style, render_strokes
from cnnlab.concepts.explain import (
    feature_maps,
    grad_cam,
    hook_count,
    last_spatial_layer,
    layer_names,
    occlusion,
    saliency,
    strongest_first,
)
from cnnlab.concepts.kernels import KERNELS, apply_kernel, parse_kernel
from cnnlab.concepts.pooling import pool, shift_change
from cnnlab.concepts.sample import grayscale, sample_image
from cnnlab.concepts.summary import layer_table

__all__ = [
    "ACTIVATIONS", "EXAMPLE_STROKES", "KERNELS", "apply_kernel", "conv2d_naive", "feature_maps",
    "grad_cam", "grayscale", "hook_count", "last_spatial_layer", "layer_names", "layer_table",
    "mnist_style", "occlusion", "output_size", "parse_kernel", "pool", "pool2d_naive",
    "receptive_field", "render_strokes", "saliency", "same_padding", "sample_image", "shift_change",
    "stacked_linear_convs_collapse", "strongest_first", "xo",
]

"""Activation functions by name, and the collapse of two linear convolutions into one."""

import torch
import torch.nn.functional as F

ACTIVATIONS = {
    "ReLU": F.relu,
    "leaky ReLU (0.1)": lambda x: F.leaky_relu(x, 0.1),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "GELU": F.gelu,
    "none (identity)": lambda x: x,
}


def stacked_linear_convs_collapse(seed: int = 0) -> dict:
    """Two 3x3 convolutions with no activation between them equal ONE 5x5 convolution.

    Returns both outputs and the largest difference (about 1e-6: the same up to rounding);
    with a ReLU in between, no single convolution reproduces the result.
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1, 1, 12, 12, generator=g, dtype=torch.float64)
    w1 = torch.randn(1, 1, 3, 3, generator=g, dtype=torch.float64)
    w2 = torch.randn(1, 1, 3, 3, generator=g, dtype=torch.float64)
    two_steps = F.conv2d(F.conv2d(x, w1), w2)                        # (1, 1, 8, 8)
    # conv2d is cross-correlation: composing two means a full convolution of the kernels.
    combined = F.conv2d(F.pad(w1, (2, 2, 2, 2)), w2.flip(2, 3))         # (1, 1, 5, 5)
    one_step = F.conv2d(x, combined)
    with_relu = F.conv2d(F.relu(F.conv2d(x, w1)), w2)
    return {"two_steps": two_steps, "one_step": one_step, "combined_kernel": combined,
            "difference": (two_steps - one_step).abs().max().item(),
            "difference_with_relu": (with_relu - one_step).abs().max().item()}

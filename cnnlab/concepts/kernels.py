"""Classic 3x3 image kernels, and applying one to an image (compute only)."""

import numpy as np
import torch
import torch.nn.functional as F

KERNELS = {
    "edge (all directions)": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "vertical edges": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "horizontal edges": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}


def parse_kernel(text: str) -> np.ndarray:
    """'a b c; d e f; g h i' (commas or spaces, rows split by ';' or new lines) -> (3, 3) floats."""
    rows = [r for r in text.replace("\n", ";").split(";") if r.strip()]
    try:
        values = [[float(v) for v in r.replace(",", " ").split()] for r in rows]
    except ValueError:
        raise ValueError("a custom kernel holds numbers only, e.g. 0 -1 0; -1 5 -1; 0 -1 0") from None
    if len(values) != 3 or any(len(r) != 3 for r in values):
        raise ValueError(f"a custom kernel needs 3 rows of 3 numbers, got rows of {[len(r) for r in values]}")
    return np.array(values, np.float32)


def apply_kernel(image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0,
                 dilation: int = 1) -> np.ndarray:
    """(H, W) float image, (k, k) kernel -> the feature map (H', W') (torch's fast conv2d)."""
    x = torch.from_numpy(np.ascontiguousarray(image, np.float32))[None, None]
    w = torch.from_numpy(np.ascontiguousarray(kernel, np.float32))[None, None]
    return F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation)[0, 0].numpy()

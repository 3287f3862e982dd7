"""Pooling by name, and how much pooled features move when the input shifts (compute only)."""

import numpy as np
import torch
import torch.nn.functional as F


def pool(x: torch.Tensor, mode: str, window: int, stride: int) -> torch.Tensor:
    """(N, C, H, W) -> pooled; mode is max, min or avg (torch's fast versions)."""
    if window > min(x.shape[-2:]):
        raise ValueError(f"the {window}x{window} window is larger than the {x.shape[-1]}x"
                         f"{x.shape[-2]} map: choose a window of at most {min(x.shape[-2:])}")
    if mode == "max":
        return F.max_pool2d(x, window, stride)
    if mode == "min":
        return -F.max_pool2d(-x, window, stride)
    if mode == "avg":
        return F.avg_pool2d(x, window, stride)
    raise ValueError(f"mode must be max, min or avg, got {mode!r}")


def shift_change(image: np.ndarray, kernel: np.ndarray, shift: int, window: int = 2,
                 stride: int = 2, mode: str = "max") -> dict:
    """Shift the image right by `shift` pixels; compare how much the features change.

    Both feature maps are cut to the same region first; the change is the mean absolute
    difference divided by the mean absolute value (0 = identical, 1 = as large as the signal).
    """
    x = torch.from_numpy(np.ascontiguousarray(image, np.float32))[None, None]
    w = torch.from_numpy(np.ascontiguousarray(kernel, np.float32))[None, None]
    moved = torch.roll(x, shifts=shift, dims=3)
    moved[..., :shift] = x[..., :1]  # fill the gap with the edge column, not wrapped pixels
    maps = [F.relu(F.conv2d(v, w, padding=kernel.shape[-1] // 2)) for v in (x, moved)]
    pooled = [pool(m, mode, window, stride) for m in maps]

    def change(a, b):
        return ((a - b).abs().mean() / a.abs().mean().clamp(min=1e-8)).item()

    return {"unpooled": change(*maps), "pooled": change(*pooled)}

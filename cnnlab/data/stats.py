"""Per-channel mean and spread for normalisation: named for the known datasets, measured otherwise.

Choosing them by the number of channels would normalise Fashion-MNIST with MNIST's numbers and
every RGB folder of photos with CIFAR-10's; each dataset carries its own instead.
"""

import torch

# Measured on each training set, pixels scaled to [0, 1].
STATS = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "mnist": ((0.1307,), (0.3081,)),
    "fashion_mnist": ((0.2860,), (0.3530,)),
}
IMAGENET_STATS = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))  # what pretrained networks expect


def channel_stats(images: torch.Tensor, sample: int = 10_000) -> tuple[tuple, tuple]:
    """(mean, std) per channel of uint8 images (N, C, H, W), over at most `sample` images."""
    step = max(1, len(images) // sample)
    x = images[::step].float() / 255                      # (n, C, H, W)
    x = x.transpose(0, 1).reshape(images.shape[1], -1)    # (C, n*H*W)
    std = x.std(1).clamp(min=1e-3)                        # a blank channel must not divide by 0
    return tuple(round(v, 4) for v in x.mean(1).tolist()), tuple(round(v, 4) for v in std.tolist())


def named_stats(name: str):
    """The statistics of a known dataset ('cifar10/train' -> cifar10's), else None."""
    return STATS.get(name.split("/")[0])

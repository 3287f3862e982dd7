"""Batches: uint8 images live on the device as one tensor; augmentation runs per batch there.

This replaces a DataLoader with per-image PIL transforms, which on a 2-core CPU spends more
time cropping and flipping single images than the network spends learning from them.
"""

import math

import torch
import torch.nn.functional as F

from cnnlab.data.stats import IMAGENET_STATS, STATS, channel_stats  # noqa: F401  (re-exported)


def eval_batch_size(device) -> int:
    """Images per batch for judging a network: 250 on a CPU, 1000 elsewhere.

    On a CPU a 250-image batch's activations stay in cache: the fast network's test pass runs up
    to 1.6 times faster than in batches of 1,000 on two cores, with the same predictions
    (`tools/bench_eval_batch.py` measures it).
    """
    return 250 if torch.device(device).type == "cpu" else 1000


def normalize(images: torch.Tensor, mean, std, dtype=torch.float32) -> torch.Tensor:
    """uint8 (B, C, H, W) to float, scaled to [0, 1], then standardised per channel.

    Pass the dataset's own statistics: `normalize(images, *dataset.stats())`.
    """
    if len(mean) != images.shape[1] or len(std) != images.shape[1]:
        raise ValueError(f"{images.shape[1]}-channel images need {images.shape[1]} means and spreads, "
                         f"got {len(mean)} and {len(std)}: use the statistics of the images' own dataset")
    mean = torch.tensor(mean, device=images.device, dtype=dtype).view(1, -1, 1, 1)
    std = torch.tensor(std, device=images.device, dtype=dtype).view(1, -1, 1, 1)
    return (images.to(dtype) / 255 - mean) / std


def denormalize(x: torch.Tensor, mean, std) -> torch.Tensor:
    """The inverse of normalize: standardised floats back to [0, 1] pixels, for showing."""
    mean = torch.tensor(mean, device=x.device, dtype=x.dtype).view(1, -1, 1, 1)
    std = torch.tensor(std, device=x.device, dtype=x.dtype).view(1, -1, 1, 1)
    return (x * std + mean).clamp(0, 1)


def random_crop(x: torch.Tensor, padding: int, generator=None) -> torch.Tensor:
    """Pad by `padding` (reflect) and cut each image back at its own random offset."""
    if padding == 0:
        return x
    batch, _, height, width = x.shape
    padded = F.pad(x, (padding,) * 4, mode="reflect")
    dy = torch.randint(0, 2 * padding + 1, (batch,), device=x.device, generator=generator)
    dx = torch.randint(0, 2 * padding + 1, (batch,), device=x.device, generator=generator)
    rows = (dy[:, None] + torch.arange(height, device=x.device))[:, None, :, None]  # (B, 1, H, 1)
    cols = (dx[:, None] + torch.arange(width, device=x.device))[:, None, None, :]   # (B, 1, 1, W)
    batch_index = torch.arange(batch, device=x.device)[:, None, None, None]
    channel_index = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    return padded[batch_index, channel_index, rows, cols]


def flip_where(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mirror left-right the images whose mask entry is True."""
    return torch.where(mask.view(-1, 1, 1, 1), x.flip(3), x)


def random_rotate(x: torch.Tensor, degrees: float, generator=None) -> torch.Tensor:
    """Rotate each image by its own angle in [-degrees, degrees]; corners fill with zeros."""
    angles = (torch.rand(len(x), device=x.device, generator=generator) * 2 - 1) * math.radians(degrees)
    cos, sin, zero = angles.cos(), angles.sin(), torch.zeros_like(angles)
    theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)  # (B, H, W, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


class Batches:
    """Iterate over (images, labels) batches, normalised float images on `device`.

    Args:
        data: an ImageDataset (or anything with uint8 `images` (N, C, H, W) and `labels`).
        batch_size: images per batch.
        device: where the data lives and the augmentation runs.
        shuffle: a new order every epoch (seeded).
        crop: padding for random crops (0 = off).
        flip: "random" (each image, each epoch), "alternate" (random in the first epoch, then
            the opposite of the previous epoch, which covers both sides in half the epochs),
            or None.
        rotate: maximum rotation in degrees (0 = off).
        drop_last: skip the final short batch (keeps BatchNorm statistics stable).
        seed: fixes shuffling and augmentation.
        dtype: float type of the yielded images.
        channels_last: yield images in channels_last memory format (faster convs on many devices).
        mean, std: per-channel statistics for normalisation (default: the dataset's own,
            `data.stats()`; pretrained ImageNet networks want IMAGENET_STATS).
    """

    def __init__(self, data, batch_size: int = 256, device="cpu", shuffle: bool = False,
                 crop: int = 0, flip: str | None = None, rotate: float = 0.0,
                 drop_last: bool = False, seed: int = 0, dtype=torch.float32,
                 channels_last: bool = False, mean=None, std=None):
        if flip not in (None, "random", "alternate"):
            raise ValueError(f"flip must be None, 'random' or 'alternate', got {flip!r}")
        self.device = torch.device(device)
        self.images = data.images.to(self.device)  # uint8 (N, C, H, W), stays uint8
        self.labels = data.labels.to(self.device)
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.crop, self.flip, self.rotate = crop, flip, rotate
        self.dtype, self.channels_last = dtype, channels_last
        if mean is None or std is None:
            mean, std = data.stats() if hasattr(data, "stats") else channel_stats(data.images)
        self.mean, self.std = mean, std
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.flip_bits = torch.rand(len(self.labels), device=self.device,
                                    generator=self.generator) < 0.5
        self.epoch = 0

    def __len__(self) -> int:
        n = len(self.labels)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.labels)
        order = (torch.randperm(n, device=self.device, generator=self.generator)
                 if self.shuffle else torch.arange(n, device=self.device))
        epoch, self.epoch = self.epoch, self.epoch + 1  # counted at the start: a break still counts
        for i in range(len(self)):
            index = order[i * self.batch_size:(i + 1) * self.batch_size]
            yield self.augment(self.images[index], index, epoch), self.labels[index]

    def augment(self, images: torch.Tensor, index: torch.Tensor, epoch: int = 0) -> torch.Tensor:
        """uint8 (B, C, H, W) to an augmented, normalised float batch."""
        x = normalize(images, self.mean, self.std, dtype=self.dtype)
        if self.crop:
            x = random_crop(x, self.crop, self.generator)
        if self.flip == "random":
            x = flip_where(x, torch.rand(len(x), device=x.device, generator=self.generator) < 0.5)
        elif self.flip == "alternate":
            x = flip_where(x, self.flip_bits[index] ^ bool(epoch % 2))
        if self.rotate:
            x = random_rotate(x, self.rotate, self.generator)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

"""The one return type of the data layer: images, labels and class names."""

from dataclasses import dataclass, field

import torch

from cnnlab.data.batches import normalize
from cnnlab.data.split import stratified_split
from cnnlab.data.stats import channel_stats, named_stats


@dataclass
class ImageDataset:
    """Images as one uint8 tensor (N, C, H, W), labels as int64 (N,), classes in label order."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: list[str]
    name: str = ""
    notes: list[str] = field(default_factory=list)  # what image_folder skipped or converted
    statistics: tuple | None = None  # (mean, std) per channel for normalisation; see stats()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.images[index], int(self.labels[index])

    def __repr__(self) -> str:
        return (f"ImageDataset({self.name!r}: {len(self)} images of shape "
                f"{tuple(self.images.shape[1:])}, {len(self.classes)} classes)")

    def stats(self) -> tuple[tuple, tuple]:
        """(mean, std) per channel: the dataset's published numbers if it is a known one, else
        measured on these images once (image_folder measures them on the whole folder)."""
        if self.statistics is None:
            self.statistics = named_stats(self.name) or channel_stats(self.images)
        return self.statistics

    def normalized(self, index: int, device="cpu") -> torch.Tensor:
        """Image `index` as the network sees it: (C, H, W) floats standardised with `stats()`."""
        return normalize(self.images[index:index + 1].to(device), *self.stats())[0]

    def subset(self, indices) -> "ImageDataset":
        indices = torch.as_tensor(indices, dtype=torch.int64)
        return ImageDataset(self.images[indices], self.labels[indices], self.classes, self.name,
                            statistics=self.statistics)

    def take(self, count: int | None, seed: int = 0) -> "ImageDataset":
        """A stratified subset of `count` images (all of them when count is None)."""
        if count is None or count >= len(self):
            return self
        _, keep = stratified_split(self.labels, count / len(self), seed)
        return self.subset(keep)

    def split(self, fraction: float = 0.2, seed: int = 1) -> tuple["ImageDataset", "ImageDataset"]:
        """A seeded, stratified (train, validation) pair; validation gets `fraction` of each class."""
        train_idx, val_idx = stratified_split(self.labels, fraction, seed)
        return self.subset(train_idx), self.subset(val_idx)

    def class_counts(self) -> dict[str, int]:
        counts = torch.bincount(self.labels, minlength=len(self.classes))
        return {name: int(c) for name, c in zip(self.classes, counts)}

    def as_torch_dataset(self, transform=None) -> "TransformDataset":
        """A torch Dataset yielding (transform(PIL image), label), for DataLoader and your own transforms."""
        return TransformDataset(self, transform)


class TransformDataset(torch.utils.data.Dataset):
    """Per-image PIL transforms, the torchvision way (slower than cnnlab.data.Batches)."""

    def __init__(self, data: ImageDataset, transform=None):
        self.data, self.transform = data, transform

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int):
        from torchvision.transforms.functional import to_pil_image

        image, label = self.data[index]
        image = to_pil_image(image)
        return (self.transform(image) if self.transform else image), label

"""The prepared cache: one .pt file per dataset split, written atomically."""

from pathlib import Path

import torch

from cnnlab.atomic import atomic_save

CACHE_FORMAT = 1


def cache_path(root: Path, name: str, split: str) -> Path:
    return root / "cache" / f"{name}-{split}.pt"


def write_cache(path: Path, images: torch.Tensor, labels: torch.Tensor, classes: list[str]) -> None:
    """Atomically: an interrupted write never leaves a half-written file under the final name."""
    atomic_save({"format": CACHE_FORMAT, "images": images.contiguous(), "labels": labels,
                 "classes": list(classes), "count": len(labels)}, path)


def read_cache(path: Path, expected_count: int | None = None):
    """Return (images, labels, classes), or None when the file is missing or not a complete cache."""
    if not path.is_file():
        return None
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        images, labels, classes = payload["images"], payload["labels"], payload["classes"]
        complete = (payload["format"] == CACHE_FORMAT and images.dtype == torch.uint8
                    and images.ndim == 4 and labels.dtype == torch.int64
                    and len(images) == len(labels) == payload["count"]
                    and (expected_count is None or len(labels) == expected_count))
    except Exception:  # truncated zip, unpickling error, missing key
        return None
    return (images, labels, classes) if complete else None

"""The prepared cache: one .pt file per dataset split, written atomically."""

import os
import tempfile
from pathlib import Path

import torch

CACHE_FORMAT = 1


def cache_path(root: Path, name: str, split: str) -> Path:
    return root / "cache" / f"{name}-{split}.pt"


def write_cache(path: Path, images: torch.Tensor, labels: torch.Tensor, classes: list[str]) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over the target.

    The rename is atomic, so a crash or Ctrl-C leaves either the old file or the new one,
    never a half-written file under the final name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": CACHE_FORMAT, "images": images.contiguous(), "labels": labels,
               "classes": list(classes), "count": len(labels)}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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

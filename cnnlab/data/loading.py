"""load_dataset: the prepared cache first, then torchvision's files, a local archive, a download."""

import os
from pathlib import Path

from cnnlab.data import sources
from cnnlab.data.cache import cache_path, read_cache, write_cache
from cnnlab.data.catalog import dataset_info
from cnnlab.data.dataset import ImageDataset
from cnnlab.data.errors import ArchiveError, DatasetNotFoundError, SourceUnavailable

SOURCES = [
    ("torchvision files", sources.from_torchvision_files),
    ("local archive", sources.from_folder_archive),
    ("local IDX files", sources.from_idx_folder),
    ("torchvision download", sources.from_download),
]


def data_root(root: str | Path = "data") -> Path:
    """Resolve the data folder: $CNNLAB_DATA for the default, else `root` here or in a parent folder.

    Notebooks run inside notebooks/, so the project's data/ folder is one level up.
    """
    if str(root) == "data" and os.environ.get("CNNLAB_DATA"):
        return Path(os.environ["CNNLAB_DATA"]).expanduser()
    root = Path(root).expanduser()
    if root.is_absolute():
        return root
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / root).is_dir():
            return folder / root
    return Path.cwd() / root


def load_dataset(name: str, split: str = "train", root: str | Path = "data",
                 download: bool = True) -> ImageDataset:
    """Load a split of cifar10, mnist or fashion_mnist as uint8 images (N, C, H, W).

    Args:
        name: "cifar10", "mnist" or "fashion_mnist".
        split: "train" or "test".
        root: the data folder (default: the project's data/, or $CNNLAB_DATA).
        download: let torchvision try to download when no local copy exists.
    """
    info = dataset_info(name)
    if split not in info.sizes:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root = data_root(root)
    cached = read_cache(cache_path(root, info.name, split), info.sizes[split])
    if cached is None:
        prepare(info.name, root, download)
        cached = read_cache(cache_path(root, info.name, split), info.sizes[split])
    images, labels, classes = cached
    return ImageDataset(images, labels, classes, name=f"{info.name}/{split}")


def prepare(name: str, root: str | Path = "data", download: bool = True) -> Path:
    """Fill the cache for both splits from the first source that works; return the root."""
    info = dataset_info(name)
    root = data_root(root)
    attempts, broken = [], []
    for label, read in SOURCES:
        if label == "torchvision download" and not download:
            attempts.append(f"{label}: not tried (download=False)")
            continue
        try:
            splits = read(info, root)
        except SourceUnavailable as why:
            attempts.append(f"{label}: {why}")
            continue
        except ArchiveError as why:
            broken.append(str(why))
            attempts.append(f"{label}: {why}")
            continue
        for split, (images, labels) in splits.items():
            _check_counts(info, split, images, labels, label)
            write_cache(cache_path(root, info.name, split), images, labels, info.classes)
        return root
    raise DatasetNotFoundError(_explain(info, root, attempts, broken))


def _check_counts(info, split, images, labels, label):
    expected = info.sizes[split]
    if len(labels) != expected or tuple(images.shape[1:]) != info.shape:
        raise DatasetNotFoundError(
            f"{info.name}/{split} from {label} has {len(labels)} images of shape "
            f"{tuple(images.shape[1:])}; expected {expected} of shape {info.shape}. "
            "The source is incomplete: replace it with a complete copy.")


def _explain(info, root: Path, attempts: list[str], broken: list[str]) -> str:
    folders = "\n".join(f"    {p}" for p in sources.archive_dirs(root))
    files = "\n".join(f"    {f}" for f in info.archive_files())
    lines = [f"Could not load the {info.name} dataset."]
    if broken:
        lines += ["", "A file is present but broken:"] + [f"  - {b}" for b in broken]
    lines += [
        "",
        "What was tried:",
        *[f"  - {a}" for a in attempts],
        "",
        "How to fix it (any one of these):",
        f"  1. Copy the offline archive into one of these folders:\n{folders}\n"
        f"     as:\n{files}",
        "     or point CNNLAB_ARCHIVES at the folder that holds it, e.g.\n"
        "       export CNNLAB_ARCHIVES=/path/to/datasets",
        f"  2. Connect to the internet and run again; torchvision downloads into {root}.",
        f"  3. If torchvision already downloaded it elsewhere, pass root='that/folder' "
        f"(or set CNNLAB_DATA).",
    ]
    return "\n".join(lines)

"""Read a dataset from one source: torchvision's files, a local archive, or a download.

Each reader returns {split: (images uint8 (N, C, H, W), labels int64 (N,))} or raises
SourceUnavailable (nothing here, try the next source) or ArchiveError (a file is broken).
"""

import gzip
import hashlib
import os
import socket
import tarfile
import warnings
from pathlib import Path

import numpy as np
import torch

from cnnlab.data.catalog import IDX_FILES, DatasetInfo
from cnnlab.data.errors import ArchiveError, SourceUnavailable

Splits = dict[str, tuple[torch.Tensor, torch.Tensor]]


def archive_dirs(root: Path) -> list[Path]:
    """Folders searched for archives: $CNNLAB_ARCHIVES (os.pathsep-separated), root, root/archives."""
    named = [Path(p).expanduser() for p in os.environ.get("CNNLAB_ARCHIVES", "").split(os.pathsep) if p]
    return named + [root, root / "archives"]


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _find(relative: str, root: Path) -> Path | None:
    for folder in archive_dirs(root):
        if (folder / relative).is_file():
            return folder / relative
    return None


# --- torchvision's own files ----------------------------------------------------------------

def from_torchvision_files(info: DatasetInfo, root: Path) -> Splits:
    """Use files torchvision already downloaded under root (e.g. root/cifar-10-batches-py)."""
    return _torchvision(info, root, download=False)


def from_download(info: DatasetInfo, root: Path, timeout: float = 20.0) -> Splits:
    """Ask torchvision to download; fails fast when offline."""
    if os.environ.get("CNNLAB_OFFLINE", "") not in ("", "0"):
        raise SourceUnavailable("download skipped: CNNLAB_OFFLINE is set")
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # a closed network should fail in seconds, not minutes
    try:
        return _torchvision(info, root, download=True)
    except SourceUnavailable:
        raise
    except Exception as error:  # urllib, ssl, socket, torchvision's own RuntimeError
        raise SourceUnavailable(f"download failed: {type(error).__name__}: {error}") from None
    finally:
        socket.setdefaulttimeout(previous)


def _torchvision(info: DatasetInfo, root: Path, download: bool) -> Splits:
    import torchvision.datasets as tvd

    cls = getattr(tvd, info.torchvision_name)
    splits = {}
    for split in ("train", "test"):
        try:
            ds = cls(str(root), train=split == "train", download=download)
        except RuntimeError as error:  # torchvision: "Dataset not found or corrupted"
            raise SourceUnavailable(f"torchvision files under {root}: {error}") from None
        data = torch.as_tensor(np.asarray(ds.data))
        images = data.permute(0, 3, 1, 2) if data.ndim == 4 else data.unsqueeze(1)  # (N, C, H, W)
        splits[split] = (images.contiguous(), torch.as_tensor(np.asarray(ds.targets), dtype=torch.int64))
    return splits


# --- a .tar.gz of class folders --------------------------------------------------------------

def from_folder_archive(info: DatasetInfo, root: Path) -> Splits:
    """Decode `<split>/<class>/<file>` images from a verified .tar.gz."""
    if not info.folder_archive:
        raise SourceUnavailable("no folder archive is defined for this dataset")
    path = _find(info.folder_archive, root)
    if path is None:
        raise SourceUnavailable(f"{info.folder_archive} not found")
    verify(path, info.folder_archive_sha256)
    class_index = {folder: i for i, folder in enumerate(info.folder_names)}
    found: dict[str, list[tuple[str, int, bytes]]] = {"train": [], "test": []}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                parts = member.name.strip("./").split("/")
                if not member.isfile() or len(parts) != 3 or parts[0] not in found:
                    continue
                split, folder, filename = parts
                if folder not in class_index:
                    raise ArchiveError(f"{path}: unexpected class folder {folder!r} in {member.name}")
                found[split].append((filename, class_index[folder], tar.extractfile(member).read()))
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as error:
        raise ArchiveError(f"{path} could not be read ({type(error).__name__}: {error}); "
                           "it is probably truncated: copy it again") from None
    splits = {}
    for split, items in found.items():
        if not items:
            raise ArchiveError(f"{path} holds no images under {split}/; expected "
                               f"{split}/<class>/<image> for classes {info.folder_names}")
        items.sort(key=lambda item: (_numeric(item[0]), item[1]))  # MNIST names keep the release order
        where = [f"{path}:{split}/{name}" for name, _, _ in items]
        images = _decode_all([blob for _, _, blob in items], info.shape, where)
        labels = torch.tensor([label for _, label, _ in items], dtype=torch.int64)
        splits[split] = (images, labels)
    return splits


def _numeric(filename: str):
    stem = filename.rsplit(".", 1)[0]
    return (0, int(stem), "") if stem.isdigit() else (1, 0, stem)


def _decode_all(blobs: list[bytes], shape: tuple[int, int, int], where: list[str]) -> torch.Tensor:
    """Decode JPEG/PNG bytes with torchvision's libjpeg-turbo/libpng (about 2x Pillow's speed)."""
    from torchvision.io import ImageReadMode, decode_image

    mode = ImageReadMode.RGB if shape[0] == 3 else ImageReadMode.GRAY
    out = torch.empty((len(blobs), *shape), dtype=torch.uint8)  # (N, C, H, W)
    with warnings.catch_warnings():  # torchvision 0.29 points to torchcodec; decoding still works
        warnings.simplefilter("ignore", DeprecationWarning)
        for i, blob in enumerate(blobs):
            try:
                image = decode_image(torch.frombuffer(bytearray(blob), dtype=torch.uint8), mode=mode)
            except RuntimeError as error:
                raise ArchiveError(f"{where[i]} is not a readable image ({error}); the archive "
                                   "is damaged: copy it again") from None
            if tuple(image.shape) != shape:
                raise ArchiveError(f"{where[i]} has shape {tuple(image.shape)}, expected {shape}")
            out[i] = image
    return out


# --- gzip IDX files ---------------------------------------------------------------------------

def from_idx_folder(info: DatasetInfo, root: Path) -> Splits:
    """Read the four gzip IDX files (MNIST's original format), verifying the unpacked bytes."""
    if not info.idx_folder:
        raise SourceUnavailable("no IDX files are defined for this dataset")
    paths = {name: _find(f"{info.idx_folder}/{name}.gz", root)
             for pair in IDX_FILES.values() for name in pair}
    missing = [f"{info.idx_folder}/{name}.gz" for name, p in paths.items() if p is None]
    if len(missing) == len(paths):
        raise SourceUnavailable(f"{info.idx_folder}/*.gz not found")
    if missing:
        raise ArchiveError(f"some IDX files are missing: {', '.join(missing)}; copy all four")
    splits = {}
    for split, (images_name, labels_name) in IDX_FILES.items():
        images = read_idx(paths[images_name], info.idx_sha256.get(images_name))
        labels = read_idx(paths[labels_name], info.idx_sha256.get(labels_name))
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ArchiveError(f"{paths[images_name]} and {paths[labels_name]} do not match: "
                               f"{tuple(images.shape)} images, {tuple(labels.shape)} labels")
        splits[split] = (torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels).long())
    return splits


def read_idx(path: Path, expected_sha256: str | None) -> np.ndarray:
    """Unpack one gzip IDX file into a uint8 array, checking its SHA-256."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as error:
        raise ArchiveError(f"{path} could not be unpacked ({type(error).__name__}: {error}); "
                           "it is probably truncated: copy it again") from None
    if expected_sha256 and hashlib.sha256(raw).hexdigest() != expected_sha256:
        raise ArchiveError(f"{path} unpacks to unexpected content (SHA-256 "
                           f"{hashlib.sha256(raw).hexdigest()}, expected {expected_sha256}); "
                           "delete it and copy it again")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ArchiveError(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ArchiveError(f"{path} holds {body.size} values, its header promises {dims}: "
                           "the file is truncated, copy it again")
    return body.reshape(dims).copy()


def verify(path: Path, expected_sha256: str | None) -> None:
    """Raise ArchiveError when the file's SHA-256 differs from the one kept in the package."""
    if expected_sha256 is None:
        return
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ArchiveError(f"{path} has SHA-256 {actual}, expected {expected_sha256}: the file is "
                           "truncated or not the expected archive; delete it and copy it again")

"""The data layer, on tiny archives built in a temporary folder (no ../shared needed)."""

import dataclasses
import gzip
import hashlib
import io
import os
import struct
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image

from cnnlab.data import (
    Batches,
    DatasetNotFoundError,
    catalog,
    image_folder,
    load_dataset,
    prepare,
    stratified_split,
)
from cnnlab.data.cache import cache_path, read_cache, write_cache

CLASSES = catalog.CIFAR10_CLASSES
PER_CLASS = {"train": 4, "test": 2}


def png_bytes(array: np.ndarray, fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def make_cifar_archive(path, seed=0):
    """A class-folder .tar.gz like the offline CIFAR-10 copy, with colours that encode the class."""
    rng = np.random.default_rng(seed)
    with tarfile.open(path, "w:gz") as tar:
        for split, count in PER_CLASS.items():
            for label, name in enumerate(CLASSES):
                for i in range(count):
                    pixels = np.full((32, 32, 3), label * 20, np.uint8)
                    pixels[0, 0] = rng.integers(0, 255, 3)
                    blob = png_bytes(pixels)
                    info = tarfile.TarInfo(f"{split}/{name}/{i:04d}.png")
                    info.size = len(blob)
                    tar.addfile(info, io.BytesIO(blob))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tiny_cifar(tmp_path, monkeypatch):
    """Register a tiny CIFAR-10 archive (its checksum and sizes) and point the loader at it."""
    archives = tmp_path / "archives"
    archives.mkdir()
    sha = make_cifar_archive(archives / "cifar10-jpg.tar.gz")
    info = dataclasses.replace(catalog.DATASETS["cifar10"], folder_archive_sha256=sha,
                               sizes={s: c * 10 for s, c in PER_CLASS.items()})
    monkeypatch.setitem(catalog.DATASETS, "cifar10", info)
    monkeypatch.setenv("CNNLAB_ARCHIVES", str(archives))
    monkeypatch.setenv("CNNLAB_OFFLINE", "1")
    monkeypatch.delenv("CNNLAB_DATA", raising=False)
    return tmp_path / "data", archives / "cifar10-jpg.tar.gz"


def test_archive_to_cache_round_trip(tiny_cifar):
    root, _ = tiny_cifar
    data = load_dataset("cifar10", "train", root=root)
    assert data.images.dtype == torch.uint8 and data.images.shape == (40, 3, 32, 32)
    assert data.labels.dtype == torch.int64 and data.classes == CLASSES
    assert data.class_counts() == dict.fromkeys(CLASSES, 4)
    assert torch.equal(data.images[:, 0, 5, 5].long(), data.labels * 20)  # the colour is the class
    assert cache_path(root, "cifar10", "test").is_file()  # one pass prepares both splits
    again = load_dataset("cifar10", "train", root=root)  # now from the cache
    assert torch.equal(again.images, data.images) and torch.equal(again.labels, data.labels)


def test_cache_is_used_without_the_archive(tiny_cifar):
    root, archive = tiny_cifar
    first = load_dataset("cifar10", "test", root=root)
    archive.unlink()
    assert torch.equal(load_dataset("cifar10", "test", root=root).images, first.images)


def test_checksum_mismatch_is_a_clear_error(tiny_cifar, monkeypatch):
    root, archive = tiny_cifar
    info = dataclasses.replace(catalog.DATASETS["cifar10"], folder_archive_sha256="0" * 64)
    monkeypatch.setitem(catalog.DATASETS, "cifar10", info)
    with pytest.raises(DatasetNotFoundError) as error:
        load_dataset("cifar10", "train", root=root)
    message = str(error.value)
    assert "present but broken" in message and str(archive) in message
    assert "expected " + "0" * 64 in message and "copy it again" in message


def test_truncated_archive_is_a_clear_error(tiny_cifar, monkeypatch):
    root, archive = tiny_cifar
    blob = archive.read_bytes()
    archive.write_bytes(blob[: len(blob) // 2])
    # Even with a checksum that matches the truncated file, reading fails cleanly.
    info = dataclasses.replace(catalog.DATASETS["cifar10"],
                               folder_archive_sha256=hashlib.sha256(blob[: len(blob) // 2]).hexdigest())
    monkeypatch.setitem(catalog.DATASETS, "cifar10", info)
    with pytest.raises(DatasetNotFoundError, match="truncated"):
        load_dataset("cifar10", "train", root=root)
    assert not cache_path(root, "cifar10", "train").exists()


def test_missing_data_offline_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_ARCHIVES", str(tmp_path / "nowhere"))
    monkeypatch.setenv("CNNLAB_OFFLINE", "1")
    with pytest.raises(DatasetNotFoundError) as error:
        load_dataset("fashion_mnist", "train", root=tmp_path / "data")
    message = str(error.value)
    assert "fashion-mnist/train-images-idx3-ubyte.gz" in message
    assert "CNNLAB_ARCHIVES" in message and "CNNLAB_OFFLINE" in message
    assert "Traceback" not in message


def write_idx(path, array: np.ndarray):
    header = struct.pack(">I", 0x0800 | array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_idx_files_and_unpacked_checksums(tmp_path, monkeypatch):
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    rng = np.random.default_rng(0)
    arrays = {"train": (rng.integers(0, 255, (6, 28, 28)), np.arange(6) % 10),
              "test": (rng.integers(0, 255, (3, 28, 28)), np.arange(3))}
    for split, (images_name, labels_name) in catalog.IDX_FILES.items():
        write_idx(folder / f"{images_name}.gz", arrays[split][0])
        write_idx(folder / f"{labels_name}.gz", arrays[split][1])
    sums = {name: hashlib.sha256(gzip.open(folder / f"{name}.gz").read()).hexdigest()
            for pair in catalog.IDX_FILES.values() for name in pair}
    info = dataclasses.replace(catalog.DATASETS["fashion_mnist"], idx_sha256=sums,
                               sizes={"train": 6, "test": 3})
    monkeypatch.setitem(catalog.DATASETS, "fashion_mnist", info)
    monkeypatch.setenv("CNNLAB_ARCHIVES", str(tmp_path))
    data = load_dataset("fashion_mnist", "train", root=tmp_path / "data")
    assert data.images.shape == (6, 1, 28, 28)
    assert np.array_equal(data.images[:, 0].numpy(), arrays["train"][0])
    # A changed byte inside the gzip is caught by the unpacked checksum.
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([9, 9, 9]))
    for f in (tmp_path / "data" / "cache").glob("*"):
        f.unlink()
    with pytest.raises(DatasetNotFoundError, match="unexpected content"):
        load_dataset("fashion_mnist", "test", root=tmp_path / "data")


def test_half_written_cache_is_never_trusted(tmp_path):
    path = tmp_path / "cache" / "x-train.pt"
    images, labels = torch.zeros(5, 1, 2, 2, dtype=torch.uint8), torch.arange(5)
    write_cache(path, images, labels, ["a"])
    assert read_cache(path, 5) is not None
    assert read_cache(path, 6) is None  # wrong count for the dataset
    path.write_bytes(path.read_bytes()[:100])  # a torn write under the final name
    assert read_cache(path) is None
    assert not list(path.parent.glob("*.partial"))


def test_interrupted_cache_write_leaves_old_file(tmp_path, monkeypatch):
    path = tmp_path / "cache" / "x-train.pt"
    write_cache(path, torch.zeros(2, 1, 2, 2, dtype=torch.uint8), torch.arange(2), ["a"])

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        write_cache(path, torch.ones(3, 1, 2, 2, dtype=torch.uint8), torch.arange(3), ["a"])
    images, _, _ = read_cache(path)
    assert len(images) == 2 and not list(path.parent.glob("*.partial"))


def test_unknown_names_are_explained():
    with pytest.raises(ValueError, match="image_folder"):
        load_dataset("imagenet")
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_dataset("mnist", "validation")


def test_stratified_split_is_seeded_and_balanced():
    labels = torch.arange(10).repeat_interleave(50)  # 10 classes x 50
    kept, held = stratified_split(labels, 0.2, seed=1)
    assert len(held) == 100 and len(kept) == 400
    assert torch.bincount(labels[held]).tolist() == [10] * 10
    assert set(kept.tolist()).isdisjoint(held.tolist())
    again, _ = stratified_split(labels, 0.2, seed=1)
    other, _ = stratified_split(labels, 0.2, seed=2)
    assert torch.equal(kept, again) and not torch.equal(kept, other)
    with pytest.raises(ValueError):
        stratified_split(labels, 1.5)


def save(path, image: Image.Image):
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def test_image_folder_handles_modes_sizes_and_strays(tmp_path):
    root = tmp_path / "rps"
    save(root / "rock" / "a.png", Image.new("RGB", (40, 40), (200, 10, 10)))
    save(root / "rock" / "b.png", Image.new("L", (40, 40), 128))                  # grayscale
    save(root / "paper" / "a.png", Image.new("RGBA", (40, 40), (0, 0, 255, 0)))   # transparent
    save(root / "paper" / "b.gif", Image.new("P", (64, 30)))                      # palette, other size
    save(root / "scissors" / "a.jpg", Image.new("RGB", (40, 40), (0, 200, 0)))
    (root / "scissors" / "notes.txt").write_text("not an image")
    (root / "empty").mkdir()
    data = image_folder(root)
    assert data.classes == ["paper", "rock", "scissors"]
    assert data.images.shape == (5, 3, 40, 40) and data.images.dtype == torch.uint8
    assert data.class_counts() == {"paper": 2, "rock": 2, "scissors": 1}
    notes = " ".join(data.notes)
    assert "notes.txt" in notes and "'empty'" in notes and "resized 1 of 5" in notes
    transparent = data.images[data.labels == 0][0]
    assert transparent[:, 0, 0].tolist() == [255, 255, 255]  # laid on white
    gray = image_folder(root, size=16, grayscale=True)
    assert gray.images.shape == (5, 1, 16, 16)


def test_image_folder_errors_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="one folder per class"):
        image_folder(tmp_path / "missing")
    (tmp_path / "cats").mkdir()
    (tmp_path / "cats" / "readme.md").write_text("hi")
    with pytest.raises(ValueError, match="No images found"):
        image_folder(tmp_path)


def test_batches_keep_uint8_and_augment_on_device(tiny_cifar):
    root, _ = tiny_cifar
    data = load_dataset("cifar10", "train", root=root)
    batches = Batches(data, batch_size=16, shuffle=True, crop=4, flip="alternate", rotate=10, seed=0)
    assert batches.images.dtype == torch.uint8
    assert len(batches) == 3
    seen = torch.cat([y for _, y in batches])
    assert sorted(seen.tolist()) == sorted(data.labels.tolist())
    x, _ = next(iter(batches))
    assert x.shape == (16, 3, 32, 32) and x.dtype == torch.float32
    plain = Batches(data, batch_size=40)
    x0, y0 = next(iter(plain))
    assert torch.equal(x0[:, 0, 5, 5], x0[:, 0, 20, 9])  # no augmentation: flat images stay flat
    assert torch.allclose(x0[:, 0, 5, 5], (y0 * 20 / 255 - 0.4914) / 0.2470, atol=1e-5)
    assert Batches(data, batch_size=16, drop_last=True).__len__() == 2


def test_alternating_flip_covers_both_sides():
    images = torch.zeros(8, 1, 4, 4, dtype=torch.uint8)
    images[:, :, :, 0] = 255  # a bright left edge
    data = type("D", (), {"images": images, "labels": torch.arange(8)})()
    batches = Batches(data, batch_size=8, flip="alternate", seed=3)
    first, _ = next(iter(batches))
    second, _ = next(iter(batches))
    left_first = first[:, 0, 0, 0] > first[:, 0, 0, 3]
    left_second = second[:, 0, 0, 0] > second[:, 0, 0, 3]
    assert torch.equal(left_first, ~left_second)


@pytest.mark.integration
@pytest.mark.skipif(not os.environ.get("CNNLAB_ARCHIVES"),
                    reason="CNNLAB_ARCHIVES is not set: the real dataset archives are not available")
def test_real_archives(tmp_path_factory):
    root = os.environ.get("CNNLAB_DATA") or tmp_path_factory.mktemp("data")
    prepare("cifar10", root)
    for split, total, per_class in (("train", 50_000, 5_000), ("test", 10_000, 1_000)):
        data = load_dataset("cifar10", split, root=root)
        assert data.images.shape == (total, 3, 32, 32)
        assert set(data.class_counts().values()) == {per_class}
    for name in ("mnist", "fashion_mnist"):
        for split, total in (("train", 60_000), ("test", 10_000)):
            data = load_dataset(name, split, root=root)
            assert data.images.shape == (total, 1, 28, 28) and len(data.classes) == 10
    assert load_dataset("mnist", "test", root=root).labels[:4].tolist() == [7, 2, 1, 0]


PEAK_MEMORY = """
import resource, sys
from cnnlab.data import image_folder
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = image_folder(sys.argv[1], size=64)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(tuple(data.images.shape), (after - before) // 1024)
"""


def test_image_folder_shrinks_phone_photos_while_loading(tmp_path):
    """12-megapixel photos are decoded small and resized one at a time, never all kept full size."""
    import subprocess
    import sys

    gradient = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")  # 12 MP, quick to encode
    for i in range(12):
        save(tmp_path / ("cats" if i % 2 else "dogs") / f"{i}.jpg", gradient.rotate(i * 30))
    result = subprocess.run([sys.executable, "-c", PEAK_MEMORY, str(tmp_path)], capture_output=True,
                            text=True, check=True)
    shape, grown_mb = result.stdout.split(")")[0] + ")", int(result.stdout.split()[-1])
    assert shape == "(12, 3, 64, 64)"
    assert grown_mb < 150, f"peak memory grew by {grown_mb} MB for 12 photos (36 MB each at full size)"

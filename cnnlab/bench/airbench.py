"""airbench94 itself, beside our fast recipe: Keller Jordan's `airbench` package from PyPI, unchanged,
fed the offline CIFAR-10 copy, so that the copy's ceiling is measured instead of guessed.

    python -m cnnlab.bench.cifar cifar10 --epochs 10 --recipe fast --recipe airbench94 --repeat 5   # on a GPU

airbench94 reaches 94.0 % in 3.8 s on an A100 with the original CIFAR-10 release. The offline copy
is re-encoded as JPEG (quality 75, 4:2:0 chroma), which costs accuracy: if airbench94 falls short of
94 % on it by as much as the fast recipe does, the gap is the copy's; if only ours falls short, the
gap is ours. airbench runs on CUDA only (it makes its weights float16 with `.cuda()` and times
with CUDA events), so on a CPU this stops with a clear error. Only its data files are ours: airbench
reads `cifar10/train.pt` and `cifar10/test.pt` (uint8 images (N, 32, 32, 3), labels, class names)
from the working folder, which `airbench_files` writes from our copy once.
"""

import time
from contextlib import chdir
from pathlib import Path

import torch

from cnnlab.atomic import atomic_save
from cnnlab.data import load_dataset
from cnnlab.data.loading import data_root

AIRBENCH94 = dict(widths=[64, 256, 256], batch_size=1024, epochs=9.9, tta=2, precision="float16")


def save_for_airbench(data, path: Path) -> None:
    """One split (an ImageDataset) as the file airbench's CifarLoader reads."""
    atomic_save({"images": data.images.permute(0, 2, 3, 1).contiguous(),   # (N, 32, 32, 3) uint8
                 "labels": data.labels.long(), "classes": list(data.classes)}, path)


def airbench_files(root: str | Path = "data") -> Path:
    """Our CIFAR-10 copy as airbench's files under `root`/airbench/cifar10 (written once); return `root`/airbench."""
    folder = data_root(root) / "airbench"
    for split in ("train", "test"):
        path = folder / "cifar10" / f"{split}.pt"
        if not path.exists():
            save_for_airbench(load_dataset("cifar10", split, root), path)
    return folder


def run_airbench94(device: torch.device, epochs: float | None = None) -> dict:
    """Train and test airbench94 once (its own loader, network, optimizer and test-time flips and shifts)."""
    if device.type != "cuda":
        raise ValueError(f"airbench94 runs on CUDA only (its network is made float16 with .cuda()); "
                         f"this device is {device.type}. Run it on a GPU, or leave out --recipe airbench94.")
    import airbench  # imported here: only GPU runs need it

    epochs = epochs or AIRBENCH94["epochs"]
    started = time.monotonic()
    with chdir(airbench_files()):                    # airbench opens "cifar10/..." from the working folder
        train = airbench.CifarLoader("cifar10", train=True, batch_size=AIRBENCH94["batch_size"],
                                     aug=dict(flip=True, translate=2), altflip=True)
        test = airbench.CifarLoader("cifar10", train=False, batch_size=2000)
        torch.cuda.synchronize()
        begin = time.monotonic()
        model = airbench.train94(train, epochs=epochs, verbose=False)
        torch.cuda.synchronize()
        train_seconds = time.monotonic() - begin
        begin = time.monotonic()
        accuracy = airbench.evaluate(model, test, tta_level=AIRBENCH94["tta"])   # ends in .item()
        test_seconds = time.monotonic() - begin
    return {"epochs": epochs, "test_accuracy": accuracy, "seconds": time.monotonic() - started,
            "train_seconds": round(train_seconds, 2), "test_seconds": round(test_seconds, 2),
            "widths": AIRBENCH94["widths"], "batch_size": AIRBENCH94["batch_size"],
            "precision": AIRBENCH94["precision"], "tta": AIRBENCH94["tta"], "compile": False}

"""A trained CIFAR-10 network that ships with the package, so notebook 09 works without training.

The weights sit in `cnnlab/assets/` beside a JSON card that records how they were made
(`tools/train_pretrained.py`, which anyone can re-run), their SHA-256 and their test accuracy.
Loading checks the checksum first: a truncated or edited file gets a clear error, never a
half-loaded network.
"""

import json
from pathlib import Path

import torch

from cnnlab.data.sources import sha256_of
from cnnlab.training import models

ASSETS = Path(__file__).resolve().parent.parent / "assets"   # cnnlab/assets
NAMES = ("cifar10_fast",)


class PretrainedCorrupt(RuntimeError):
    """The shipped weights do not match their recorded checksum."""


def card(name: str = "cifar10_fast", assets: Path = ASSETS) -> dict:
    """The JSON card of a shipped network: recipe, widths, epochs, test accuracy, sha256, bytes."""
    if name not in NAMES:
        raise ValueError(f"unknown pretrained network {name!r}; choose one of {', '.join(NAMES)}")
    path = Path(assets) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing. Re-install cnnlab, or make it with "
                                f"`python tools/train_pretrained.py` from the workbook's folder.")
    return json.loads(path.read_text())


def load_pretrained(name: str = "cifar10_fast", device="cpu", assets: Path = ASSETS):
    """(model in eval mode on `device`, its card). Raises PretrainedCorrupt on a checksum mismatch."""
    info = card(name, assets)
    weights = Path(assets) / info["file"]
    if not weights.is_file():
        raise FileNotFoundError(f"{weights} is missing. Re-install cnnlab (pip install -e .), or "
                                "train your own network in notebook 08.")
    found = sha256_of(weights)
    if found != info["sha256"]:
        raise PretrainedCorrupt(
            f"{weights} is damaged: its SHA-256 is {found[:16]}..., the card says "
            f"{info['sha256'][:16]}.... Restore it (`git checkout -- {weights.name}` in "
            "cnnlab/assets/, or re-install cnnlab), re-make it with `python "
            "tools/train_pretrained.py`, or train your own in notebook 08.")
    payload = torch.load(weights, map_location="cpu", weights_only=True)
    model = models.fast_net(tuple(info["widths"]))
    # stored in float16 to halve the file; the network computes in float32
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in payload.items()})
    return model.to(device).eval(), info

"""Transfer learning from torchvision's ImageNet ResNet-18, with an offline fallback."""

import os
import socket
from pathlib import Path

import torch
from torch import nn


def resnet18_for(classes: int, weights_file: str | None = None, timeout: float = 15.0):
    """ResNet-18 with a new `classes`-way head; returns (model, pretrained: bool, message).

    Tries a local weights file first (if named), then torchvision's download (with a short
    timeout; skipped when CNNLAB_OFFLINE is set). Without weights the network starts from
    random values and the message says so.
    """
    from torchvision.models import ResNet18_Weights, resnet18

    model, pretrained, message = resnet18(weights=None), False, ""
    if weights_file:
        path = Path(weights_file).expanduser()
        try:
            model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            pretrained, message = True, f"loaded ImageNet weights from {path}"
        except (OSError, RuntimeError) as error:
            message = f"could not use {path}: {str(error).splitlines()[0]}. "
    if not pretrained and os.environ.get("CNNLAB_OFFLINE", "") in ("", "0"):
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(timeout)
        try:
            model = resnet18(weights=ResNet18_Weights.IMAGENET1K_V1)
            pretrained, message = True, "downloaded ImageNet weights (cached for next time)"
        except Exception as error:  # no network, proxy, certificate, disk
            message += f"the ImageNet weights could not be downloaded ({type(error).__name__}). "
        finally:
            socket.setdefaulttimeout(previous)
    elif not pretrained:
        message += "offline (CNNLAB_OFFLINE is set), so no download was tried. "
    if not pretrained:
        url = ResNet18_Weights.IMAGENET1K_V1.url
        message += (f"Continuing WITHOUT pretrained weights: ResNet-18 trains from scratch. To "
                    f"transfer, download {url} on a connected machine and set WEIGHTS_FILE "
                    "to its path.")
    model.fc = nn.Linear(model.fc.in_features, classes)
    return model, pretrained, message


def freeze_backbone(model: nn.Module, frozen: bool = True) -> int:
    """Freeze (or unfreeze) everything but the head `fc`; return the number of trainable parameters."""
    for name, parameter in model.named_parameters():
        parameter.requires_grad = not frozen or name.startswith("fc.")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)

"""Transfer learning from torchvision's ImageNet ResNet-18, with an offline fallback."""

import os
import socket
from functools import partial
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
    """Freeze (or unfreeze) everything but the head `fc`; return the number of trainable parameters.

    Frozen means more than requires_grad=False: in training mode BatchNorm would still replace
    its ImageNet running statistics with those of our few images. So the backbone's modules stay
    in eval mode even when `model.train()` is called; only the head trains.
    """
    for name, parameter in model.named_parameters():
        parameter.requires_grad = not frozen or name.startswith("fc.")
    for name, module in model.named_modules():
        if not name or name == "fc" or name.startswith("fc."):
            continue
        if frozen:
            module.train = partial(_stay_in_eval, module)  # a partial survives copy.deepcopy
        else:
            module.__dict__.pop("train", None)
    model.train(model.training)  # apply to the current mode
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _stay_in_eval(self, mode: bool = True) -> nn.Module:
    """A frozen module's train(): it keeps its children and itself in eval mode."""
    return nn.Module.train(self, False)

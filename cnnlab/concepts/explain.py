"""Looking inside a trained network: activations, Grad-CAM, saliency, occlusion (compute only).

Every forward hook is registered inside a context manager and removed in `finally`, so an
error, a KeyboardInterrupt or re-running a notebook cell never leaves hooks behind.
"""

from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn


def layer_names(model: nn.Module, kinds=(nn.Conv2d, nn.ReLU, nn.GELU, nn.MaxPool2d, nn.BatchNorm2d)) -> list[str]:
    """Names (as in model.named_modules()) of the layers whose outputs are image-shaped."""
    return [name for name, module in model.named_modules() if name and isinstance(module, kinds)]


@contextmanager
def recording(model: nn.Module, names: list[str], keep_gradients: bool = False):
    """Record the outputs (and optionally their gradients) of the named layers.

    with recording(model, ["3"]) as store:
        model(x)
    store["3"]  # (B, C, H, W)
    """
    modules = dict(model.named_modules())
    missing = [n for n in names if n not in modules]
    if missing:
        raise KeyError(f"no layer named {missing}; choose from {layer_names(model)}")
    store, handles = {}, []

    def hook_for(name):
        def hook(module, inputs, output):
            store[name] = output if keep_gradients else output.detach()
            if keep_gradients and output.requires_grad:
                output.register_hook(lambda grad: store.__setitem__(f"{name}.grad", grad.detach()))
        return hook

    try:
        for name in names:
            handles.append(modules[name].register_forward_hook(hook_for(name)))
        yield store
    finally:
        for handle in handles:
            handle.remove()


def hook_count(model: nn.Module) -> int:
    """Forward hooks currently attached anywhere in the model (0 after every `recording`)."""
    return sum(len(m._forward_hooks) for m in model.modules())


@torch.no_grad()
def feature_maps(model: nn.Module, image: torch.Tensor, layer: str) -> torch.Tensor:
    """One normalised image (C, H, W) -> the layer's maps (channels, H', W')."""
    model.eval()
    with recording(model, [layer]) as store:
        model(image.unsqueeze(0))
    return store[layer][0].float()


def strongest_first(maps: torch.Tensor) -> torch.Tensor:
    """Channel indices ordered by mean activation, strongest first."""
    return maps.flatten(1).mean(1).argsort(descending=True)


def grad_cam(model: nn.Module, image: torch.Tensor, layer: str, class_index: int | None = None):
    """Grad-CAM: weight each channel of `layer` by its mean gradient for the class; ReLU; upsample.

    Returns (heatmap (H, W) in [0, 1] at the image's size, the class explained).
    """
    model.eval()
    x = image.unsqueeze(0).clone().requires_grad_(True)
    with recording(model, [layer], keep_gradients=True) as store:
        logits = model(x)
        class_index = int(logits.argmax(1)) if class_index is None else class_index
        model.zero_grad(set_to_none=True)
        logits[0, class_index].backward()
    activations, gradients = store[layer][0].detach(), store[f"{layer}.grad"][0]  # (C, h, w)
    weights = gradients.mean((1, 2))                                               # (C,)
    cam = F.relu((weights[:, None, None] * activations).sum(0))                    # (h, w)
    cam = F.interpolate(cam[None, None], size=image.shape[1:], mode="bilinear", align_corners=False)[0, 0]
    return cam / cam.max().clamp(min=1e-8), class_index


def saliency(model: nn.Module, image: torch.Tensor, class_index: int) -> torch.Tensor:
    """|d score / d pixel|, the largest over the colour channels: (H, W) in [0, 1]."""
    model.eval()
    x = image.unsqueeze(0).clone().requires_grad_(True)
    model(x)[0, class_index].backward()
    grad = x.grad[0].abs().amax(0)
    return grad / grad.max().clamp(min=1e-8)


@torch.no_grad()
def occlusion(model: nn.Module, image: torch.Tensor, class_index: int, patch: int = 8,
              stride: int = 4, fill: float = 0.0, batch_size: int = 256) -> torch.Tensor:
    """Slide a grey patch over the image; the drop in the class's probability at each position.

    `fill` is the value of grey in the normalised input (0 = the dataset mean). Returns (H', W').
    """
    model.eval()
    _, height, width = image.shape
    base = model(image.unsqueeze(0)).softmax(1)[0, class_index]
    tops = range(0, height - patch + 1, stride)
    lefts = range(0, width - patch + 1, stride)
    positions = [(top, left) for top in tops for left in lefts]
    probabilities = []
    for start in range(0, len(positions), batch_size):  # only one batch of copies exists at a time
        chunk = positions[start:start + batch_size]
        covered = image.unsqueeze(0).repeat(len(chunk), 1, 1, 1)   # (b, C, H, W)
        for i, (top, left) in enumerate(chunk):
            covered[i, :, top:top + patch, left:left + patch] = fill
        probabilities.append(model(covered).softmax(1)[:, class_index])
    probabilities = torch.cat(probabilities)
    return (base - probabilities).reshape(len(tops), len(lefts))


@torch.no_grad()
def last_spatial_layer(model: nn.Module, input_shape: tuple[int, ...], min_size: int = 2) -> str:
    """The deepest recorded layer whose maps are still at least min_size x min_size.

    Grad-CAM can only point as finely as its layer's grid: a 3x3 map splits a 32-pixel image into
    nine blocks. min_size=8 trades a little depth for a heat map that can localise.
    """
    names = layer_names(model)
    model.eval()
    with recording(model, names) as store:
        model(torch.zeros(1, *input_shape, device=next(model.parameters()).device))
    spatial = [n for n in names if store[n].ndim == 4 and min(store[n].shape[2:]) >= min_size]
    if not spatial:
        raise ValueError(f"no layer has maps of at least {min_size}x{min_size}; lower min_size")
    return spatial[-1]

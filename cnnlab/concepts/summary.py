"""A layer table: each layer's output shape and parameter count, checked against the formula."""

import torch
from torch import nn


def formula_parameters(layer: nn.Module) -> int | None:
    """(n*m*l + 1)*k for a conv with k filters of n x m over l channels; (inputs + 1)*outputs for dense."""
    if isinstance(layer, nn.Conv2d):
        n, m = layer.kernel_size
        channels, k = layer.in_channels // layer.groups, layer.out_channels
        return (n * m * channels + (1 if layer.bias is not None else 0)) * k
    if isinstance(layer, nn.Linear):
        return (layer.in_features + (1 if layer.bias is not None else 0)) * layer.out_features
    return None


def layer_rows(model: nn.Sequential, input_shape: tuple[int, ...]) -> list[tuple]:
    """[(index, layer name, output shape (C, H, W), parameters, formula or None)] for each layer."""
    rows = []
    x = torch.zeros(1, *input_shape)
    model = model.eval()
    with torch.no_grad():
        for i, (name, layer) in enumerate(model.named_children()):
            x = layer(x)
            count = sum(p.numel() for p in layer.parameters())
            label = type(layer).__name__ if name.isdigit() else f"{name} ({type(layer).__name__})"
            rows.append((i, label, tuple(x.shape[1:]), count, formula_parameters(layer)))
    return rows


def layer_table(model: nn.Sequential, input_shape: tuple[int, ...] = (3, 32, 32)) -> str:
    """The rows of layer_rows as text; ✓ where the count matches the formula."""
    rows = layer_rows(model, input_shape)
    width = max([12] + [len(row[1]) for row in rows])
    lines = [f"{'#':>2}  {'layer':<{width}} {'output (C, H, W)':<18} {'parameters':>11}  formula",
             f"{'':>2}  {'input':<{width}} {str(tuple(input_shape)):<18}"]
    total = 0
    for i, name, shape, count, formula in rows:
        total += count
        check = "" if formula is None else ("✓" if formula == count else f"✗ expected {formula}")
        lines.append(f"{i:>2}  {name:<{width}} {str(shape):<18} {count:>11,}  {check}")
    lines.append(f"{'':>2}  {'total':<{width}} {'':<18} {total:>11,}")
    return "\n".join(lines)

"""A layer table: each layer's output shape, parameter count (checked against the formula) and cost."""

import math

import torch
from torch import nn


def formula_parameters(layer: nn.Module) -> int | None:
    """(k_h*k_w*C_in + 1)*C_out for a conv of C_out filters, k_h x k_w over C_in channels; (in + 1)*out for dense."""
    if isinstance(layer, nn.Conv2d):
        k_h, k_w = layer.kernel_size
        c_in, c_out = layer.in_channels // layer.groups, layer.out_channels
        return (k_h * k_w * c_in + (1 if layer.bias is not None else 0)) * c_out
    if isinstance(layer, nn.Linear):
        return (layer.in_features + (1 if layer.bias is not None else 0)) * layer.out_features
    return None


def multiply_adds(layer: nn.Module, output_shape: tuple[int, ...]) -> int:
    """Multiply-adds for one image: every output number of a conv or dense layer is a weighted sum."""
    if isinstance(layer, nn.Conv2d):
        k_h, k_w = layer.kernel_size
        return math.prod(output_shape) * k_h * k_w * layer.in_channels // layer.groups
    if isinstance(layer, nn.Linear):
        return layer.in_features * layer.out_features
    return 0


def layer_rows(model: nn.Sequential, input_shape: tuple[int, ...]) -> list[tuple]:
    """[(index, layer name, output shape (C, H, W), parameters, formula or None, multiply-adds)]."""
    rows = []
    x = torch.zeros(1, *input_shape)
    model = model.eval()
    with torch.no_grad():
        for i, (name, layer) in enumerate(model.named_children()):
            x = layer(x)
            count = sum(p.numel() for p in layer.parameters())
            label = type(layer).__name__ if name.isdigit() else f"{name} ({type(layer).__name__})"
            shape = tuple(x.shape[1:])
            rows.append((i, label, shape, count, formula_parameters(layer), multiply_adds(layer, shape)))
    return rows


def layer_table(model: nn.Sequential, input_shape: tuple[int, ...] = (3, 32, 32), cost: bool = False) -> str:
    """The rows of layer_rows as text; ✓ where the count matches the formula; cost=True adds multiply-adds."""
    rows = layer_rows(model, input_shape)
    width = max([12] + [len(row[1]) for row in rows])
    extra = f" {'multiply-adds':>14}" if cost else ""
    lines = [f"{'#':>2}  {'layer':<{width}} {'output (C, H, W)':<18} {'parameters':>11}{extra}  formula",
             f"{'':>2}  {'input':<{width}} {str(tuple(input_shape)):<18}"]
    total = total_cost = 0
    for i, name, shape, count, formula, adds in rows:
        total, total_cost = total + count, total_cost + adds
        check = "" if formula is None else ("✓" if formula == count else f"✗ expected {formula}")
        extra = f" {adds:>14,}" if cost else ""
        lines.append(f"{i:>2}  {name:<{width}} {str(shape):<18} {count:>11,}{extra}  {check}")
    extra = f" {total_cost:>14,}" if cost else ""
    lines.append(f"{'':>2}  {'total':<{width}} {'':<18} {total:>11,}{extra}")
    return "\n".join(lines)

"""Convolution and pooling written as readable loops, plus the output-size formula.

These are for reading and for checking against torch.nn.functional (the tests do); the
explorers call torch's fast versions once the idea is clear.
"""

import torch


def pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """floor((n + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1, the size along one axis.

    Raises ValueError, saying why, when no whole window fits.
    """
    if min(n, kernel, stride, dilation) < 1 or padding < 0:
        raise ValueError("sizes, kernel, stride and dilation must be at least 1, padding at least 0")
    span = dilation * (kernel - 1) + 1  # how many input pixels one window covers
    size = (n + 2 * padding - span) // stride + 1
    if n + 2 * padding < span:
        raise ValueError(f"the kernel covers {span} pixels but the padded input has only "
                         f"{n + 2 * padding}: no window fits. Use a smaller kernel or dilation, "
                         "or more padding.")
    return size


def conv2d_naive(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
                 stride=1, padding=0, dilation=1) -> torch.Tensor:
    """x (N, C, H, W), weight (K, C, kh, kw) -> (N, K, H', W'): slide, multiply, sum, add bias."""
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    k, c, kh, kw = weight.shape
    if x.shape[1] != c:
        raise ValueError(f"input has {x.shape[1]} channels but the filters expect {c}")
    x = torch.nn.functional.pad(x, (pw, pw, ph, ph))  # zeros around the border
    out_h = output_size(x.shape[2], kh, sh, 0, dh)
    out_w = output_size(x.shape[3], kw, sw, 0, dw)
    out = x.new_zeros(x.shape[0], k, out_h, out_w)
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * sh, j * sw
            patch = x[:, :, top:top + dh * (kh - 1) + 1:dh, left:left + dw * (kw - 1) + 1:dw]  # (N, C, kh, kw)
            out[:, :, i, j] = torch.einsum("nchw,kchw->nk", patch, weight)  # multiply and sum
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out


def pool2d_naive(x: torch.Tensor, kernel, stride=None, mode: str = "max") -> torch.Tensor:
    """x (N, C, H, W) -> (N, C, H', W'): the max, min or average of each window."""
    if mode not in ("max", "min", "avg"):
        raise ValueError(f"mode must be 'max', 'min' or 'avg', got {mode!r}")
    (kh, kw) = pair(kernel)
    (sh, sw) = pair(stride if stride is not None else kernel)
    out_h, out_w = output_size(x.shape[2], kh, sh), output_size(x.shape[3], kw, sw)
    out = x.new_zeros(x.shape[0], x.shape[1], out_h, out_w)
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].flatten(2)  # (N, C, kh*kw)
            if mode == "max":
                out[:, :, i, j] = window.amax(2)
            elif mode == "min":
                out[:, :, i, j] = window.amin(2)
            else:
                out[:, :, i, j] = window.mean(2)
    return out


def same_padding(kernel: int, dilation: int = 1) -> int:
    """The padding that keeps the size unchanged at stride 1 (an odd window span)."""
    span = dilation * (kernel - 1) + 1
    if span % 2 == 0:
        raise ValueError(f"'same' padding needs an odd window span; kernel {kernel} with dilation "
                         f"{dilation} spans {span} pixels. Pick an odd kernel size.")
    return (span - 1) // 2


def convolution_plan(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1,
                     same: bool = False) -> dict:
    """Everything the arithmetic explorer shows, or {"error": why} for an impossible setting."""
    plan = {"size": size, "kernel": kernel, "stride": stride, "dilation": dilation, "same": same}
    try:
        if same:
            if stride != 1:
                raise ValueError(f"'same' padding keeps the output as large as the input only at "
                                 f"stride 1, so PyTorch's padding='same' refuses stride {stride}. "
                                 f"(TensorFlow's SAME pads so that the output is ⌈n / s⌉ = "
                                 f"{-(-size // stride)} instead.) Set stride to 1 or untick 'same'.")
            padding = same_padding(kernel, dilation)
        out = output_size(size, kernel, stride, padding, dilation)
    except ValueError as error:
        return plan | {"padding": padding, "error": str(error)}
    span = dilation * (kernel - 1) + 1
    formula = (f"output = ⌊(n + 2p − d·(k − 1) − 1) / s⌋ + 1 = ⌊({size} + 2·{padding} − "
               f"{dilation}·({kernel} − 1) − 1) / {stride}⌋ + 1 = {out}")
    leftover = (size + 2 * padding - span) % stride
    note = (f"{leftover} row(s)/column(s) at the far edge are never covered by a window"
            if leftover else "the windows fit exactly")
    return plan | {"padding": padding, "output": out, "span": span, "formula": formula,
                   "note": note, "steps": out * out, "error": None}


def window_at(plan: dict, step: int) -> tuple[int, int, int, int]:
    """(output row, output col, top, left) of the window at `step` (row by row, in padded coordinates)."""
    row, col = divmod(min(step, plan["steps"] - 1), plan["output"])
    return row, col, row * plan["stride"], col * plan["stride"]


# --- receptive field ---------------------------------------------------------------------------

ELEMENTWISE = (torch.nn.ReLU, torch.nn.GELU, torch.nn.LeakyReLU, torch.nn.Sigmoid, torch.nn.Tanh,
               torch.nn.BatchNorm2d, torch.nn.Dropout, torch.nn.Dropout2d, torch.nn.Identity)


def spatial_layers(model) -> list:
    """The leaf layers of a model in order (nested Sequentials flattened)."""
    if isinstance(model, torch.nn.Module) and not list(model.children()):
        return [model]
    layers = model.children() if isinstance(model, torch.nn.Module) else model
    return [leaf for layer in layers for leaf in spatial_layers(layer)]


def receptive_field(layers) -> dict:
    """Receptive field of the last layer's units, in input pixels, along (height, width).

    `layers`: a sequence (or nn.Sequential) of nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d and
    element-wise layers (ReLU, BatchNorm, dropout, ...). Returns
    {"size": (h, w), "jump": (h, w), "start": (h, w)}: each unit sees `size` input pixels (the
    span, holes from dilation included), neighbouring units are `jump` input pixels apart, and
    unit (i, j) starts at input row start_h + i * jump_h, column start_w + j * jump_w (negative
    when it begins in the padding).

    Per layer with kernel k, stride s, padding p, dilation d (k' = d(k - 1) + 1):
        size += (k' - 1) * jump;   start -= p * jump;   jump *= s
    """
    size, jump, start = [1, 1], [1, 1], [0, 0]
    for layer in spatial_layers(layers):
        if isinstance(layer, ELEMENTWISE):
            continue
        if not isinstance(layer, torch.nn.Conv2d | torch.nn.MaxPool2d | torch.nn.AvgPool2d):
            raise ValueError(f"receptive_field follows Conv2d, MaxPool2d, AvgPool2d and element-wise "
                             f"layers; {type(layer).__name__} changes the picture in another way. "
                             "Pass the layers before it.")
        kernel = pair(layer.kernel_size)
        stride = pair(layer.stride if layer.stride is not None else layer.kernel_size)
        padding = pair(layer.padding)
        dilation = pair(getattr(layer, "dilation", 1))
        if isinstance(layer.padding, str):
            raise ValueError("padding='same'/'valid' strings: give the padding as numbers")
        for axis in range(2):
            span = dilation[axis] * (kernel[axis] - 1) + 1
            size[axis] += (span - 1) * jump[axis]
            start[axis] -= padding[axis] * jump[axis]
            jump[axis] *= stride[axis]
    return {"size": tuple(size), "jump": tuple(jump), "start": tuple(start)}


def field_box(field: dict, row: int, col: int, height: int, width: int) -> tuple[int, int, int, int]:
    """The input pixels unit (row, col) sees, clipped to the image: (top, left, bottom, right), inclusive."""
    top = field["start"][0] + row * field["jump"][0]
    left = field["start"][1] + col * field["jump"][1]
    bottom, right = top + field["size"][0] - 1, left + field["size"][1] - 1
    return max(top, 0), max(left, 0), min(bottom, height - 1), min(right, width - 1)

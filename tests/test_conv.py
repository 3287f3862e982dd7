"""The hand-written convolution and pooling agree with torch over many random configurations."""

import random

import pytest
import torch
import torch.nn.functional as F

from cnnlab.concepts.conv import conv2d_naive, output_size, pool2d_naive, same_padding


def test_output_size_formula():
    assert output_size(32, 3, 1, 1) == 32
    assert output_size(28, 5) == 24
    assert output_size(7, 3, stride=2) == 3
    assert output_size(10, 3, dilation=2) == 6
    assert output_size(224, 7, stride=2, padding=3) == 112
    with pytest.raises(ValueError, match="no window fits"):
        output_size(3, 5)
    with pytest.raises(ValueError):
        output_size(5, 3, stride=0)


@pytest.mark.parametrize("seed", range(40))
def test_conv2d_naive_matches_torch(seed):
    rng = random.Random(seed)
    n, c, k = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)
    kh, kw = rng.randint(1, 4), rng.randint(1, 4)
    stride = (rng.randint(1, 5), rng.randint(1, 5)) if seed % 2 else rng.randint(1, 5)  # stride > kernel too
    padding = (rng.randint(0, 2), rng.randint(0, 2)) if seed % 3 else rng.randint(0, 2)
    dilation = (rng.randint(1, 3), rng.randint(1, 3)) if seed % 5 else rng.randint(1, 3)
    d = torch.nn.modules.utils._pair(dilation)
    h = rng.randint(d[0] * (kh - 1) + 1, 14)
    w = rng.randint(d[1] * (kw - 1) + 1, 17)  # non-square inputs
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, h, w, generator=g, dtype=torch.float64)
    weight = torch.randn(k, c, kh, kw, generator=g, dtype=torch.float64)
    bias = torch.randn(k, generator=g, dtype=torch.float64) if seed % 4 else None
    expected = F.conv2d(x, weight, bias, stride, padding, dilation)
    assert torch.allclose(conv2d_naive(x, weight, bias, stride, padding, dilation), expected)
    assert expected.shape[2] == output_size(h, kh, *[torch.nn.modules.utils._pair(v)[0]
                                                     for v in (stride, padding, dilation)])


def test_conv2d_channel_mismatch_is_explained():
    with pytest.raises(ValueError, match="3 channels"):
        conv2d_naive(torch.zeros(1, 3, 5, 5), torch.zeros(1, 1, 3, 3))


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("mode", ["max", "avg", "min"])
def test_pool2d_naive_matches_torch(seed, mode):
    rng = random.Random(seed)
    kernel = (rng.randint(1, 3), rng.randint(1, 3)) if seed % 2 else rng.randint(1, 3)
    stride = None if seed % 3 == 0 else rng.randint(1, 4)
    x = torch.randn(rng.randint(1, 2), rng.randint(1, 3), rng.randint(3, 11), rng.randint(3, 13),
                    generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    if mode == "max":
        expected = F.max_pool2d(x, kernel, stride)
    elif mode == "avg":
        expected = F.avg_pool2d(x, kernel, stride)
    else:
        expected = -F.max_pool2d(-x, kernel, stride)
    assert torch.allclose(pool2d_naive(x, kernel, stride, mode), expected)


def test_same_padding():
    assert same_padding(3) == 1 and same_padding(5) == 2 and same_padding(3, dilation=2) == 2
    with pytest.raises(ValueError, match="odd"):
        same_padding(4)


def gradient_box(layers, height, width, row, col):
    """Bounding box of the input pixels with a non-zero gradient of one output unit."""
    import torch.nn as nn

    # Average pooling passes gradient to every pixel of its window (max pooling only to the
    # largest), so it shows the whole field; positive weights and inputs avoid cancellations.
    probe = nn.Sequential(*[nn.AvgPool2d(l.kernel_size, l.stride, l.padding) if isinstance(l, nn.MaxPool2d)
                            and l.dilation == 1 else l for l in layers])
    for layer in probe:
        if isinstance(layer, nn.Conv2d):
            nn.init.uniform_(layer.weight, 0.1, 1.0)
    x = (torch.rand(1, 2, height, width) + 0.5).requires_grad_(True)  # every stack starts at 2 channels
    out = probe(x)
    out[0, 0, row, col].backward()
    rows, cols = torch.nonzero(x.grad[0].abs().sum(0) > 0, as_tuple=True)
    return int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max()), out.shape[2:]


def test_receptive_field_matches_the_gradient_on_random_stacks():
    import random

    import torch.nn as nn

    from cnnlab.concepts.conv import field_box, receptive_field

    rng = random.Random(0)
    checked = 0
    for _ in range(60):
        layers, channels = [], 2
        for _ in range(rng.randint(1, 4)):
            kernel = (rng.randint(1, 4), rng.randint(1, 4))
            stride, dilation = (rng.randint(1, 3), rng.randint(1, 2)), (rng.randint(1, 3), rng.randint(1, 2))
            kind = rng.choice(["conv", "conv", "max", "avg"])
            if kind == "conv":
                padding = (rng.randint(0, kernel[0] // 2 + 1), rng.randint(0, kernel[1] // 2 + 1))
                layers += [nn.Conv2d(channels, 3, kernel, stride, padding, dilation), nn.ReLU()]
                channels = 3
            else:
                padding = (rng.randint(0, kernel[0] // 2), rng.randint(0, kernel[1] // 2))
                pool = nn.MaxPool2d if kind == "max" else nn.AvgPool2d
                layers.append(pool(kernel, stride, padding) if kind == "avg"
                              else pool(kernel, stride, padding, dilation=1))
        field = receptive_field(layers)
        try:
            top, left, bottom, right, shape = gradient_box(layers, 40, 37, 0, 0)
        except RuntimeError:  # the stack shrinks a 40x37 input to nothing: not a case
            continue
        row, col = shape[0] // 2, shape[1] // 2
        top, left, bottom, right, _ = gradient_box(layers, 40, 37, row, col)
        box = field_box(field, row, col, 40, 37)
        first = (field["start"][0] + row * field["jump"][0], field["start"][1] + col * field["jump"][1])
        last = (first[0] + field["size"][0] - 1, first[1] + field["size"][1] - 1)
        inside = min(first) >= 0 and last[0] < 40 and last[1] < 37  # not cut by the image border
        if inside:  # the field's first and last pixels are real taps: the boxes agree exactly
            assert box == (top, left, bottom, right), layers
        else:       # dilation holes may fall at the cut edge: the gradient stays inside the box
            assert box[0] <= top and box[1] <= left and bottom <= box[2] and right <= box[3], layers
        checked += inside
    assert checked >= 15  # most stacks were checked exactly


def test_receptive_field_of_known_stacks():
    import torch.nn as nn

    from cnnlab.concepts.conv import receptive_field

    three_convs = [nn.Conv2d(1, 1, 3, padding=1) for _ in range(3)]
    assert receptive_field(three_convs) == {"size": (7, 7), "jump": (1, 1), "start": (-3, -3)}
    vgg_block = [nn.Conv2d(1, 1, 3, padding=1), nn.ReLU(), nn.Conv2d(1, 1, 3, padding=1), nn.MaxPool2d(2)]
    assert receptive_field(vgg_block)["size"] == (6, 6) and receptive_field(vgg_block)["jump"] == (2, 2)
    dilated = [nn.Conv2d(1, 1, 3, dilation=2)]
    assert receptive_field(dilated)["size"] == (5, 5)
    with pytest.raises(ValueError, match="Pass the layers before it"):
        receptive_field([nn.Conv2d(1, 1, 3), nn.Flatten()])

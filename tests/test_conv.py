"""The hand-written convolution and pooling agree with torch over many random configurations."""

import random

import pytest
import torch
import torch.nn.functional as F

from cnnlab.conv import conv2d_naive, output_size, pool2d_naive, same_padding


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

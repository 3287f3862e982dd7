"""X/O toy, kernels, activations, pooling, layer table and exercise checks."""

import numpy as np
import pytest
from torch import nn

from cnnlab.concepts import xo
from cnnlab.concepts.activations import stacked_linear_convs_collapse
from cnnlab.concepts.kernels import KERNELS, apply_kernel, parse_kernel
from cnnlab.concepts.pooling import shift_change
from cnnlab.concepts.sample import grayscale, sample_image
from cnnlab.concepts.summary import formula_parameters, layer_rows, layer_table


def test_xo_scores_match_the_tutorial():
    diagonal = xo.FILTERS["diagonal \\"]
    assert xo.match_score(xo.X[1:4, 1:4], diagonal) == pytest.approx(1.00)
    patch = diagonal.copy()
    patch[0, 1] = patch[2, 1] = 1  # two pixels disagree, seven agree
    assert xo.match_score(patch, diagonal) == pytest.approx(0.55, abs=0.01)
    maps = xo.feature_maps(xo.X)
    assert maps.shape == (3, 7, 7) and maps[0, 0, 0] == pytest.approx(7 / 9)
    assert maps[1, 3, 3] == pytest.approx(1.0)  # the X's centre matches the centre filter


def test_vote_gets_every_variant_right():
    for name, (image, letter) in xo.variants().items():
        assert xo.classify(image) == letter, name


def test_linear_convolutions_collapse_but_relu_prevents_it():
    result = stacked_linear_convs_collapse()
    assert result["difference"] < 1e-10
    assert result["difference_with_relu"] > 1.0


def test_pooling_reduces_the_effect_of_a_shift():
    image = grayscale(sample_image())
    for shift in (1, 2):
        change = shift_change(image, np.array(KERNELS["vertical edges"], np.float32), shift)
        assert change["pooled"] < change["unpooled"]


def test_kernels():
    image = grayscale(sample_image())
    assert apply_kernel(image, np.array(KERNELS["identity"], np.float32), padding=1) == pytest.approx(image)
    assert apply_kernel(image, np.ones((3, 3), np.float32), stride=2).shape == (111, 111)
    assert parse_kernel("1 2 3; 4,5,6\n7 8 9")[1, 2] == 6
    with pytest.raises(ValueError, match="3 rows of 3"):
        parse_kernel("1 2; 3 4")
    with pytest.raises(ValueError, match="numbers only"):
        parse_kernel("a b c; 1 2 3; 1 2 3")


def test_layer_table_checks_the_formula():
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 16 * 16, 10))
    rows = layer_rows(model, (3, 32, 32))
    assert rows[0][2] == (16, 32, 32) and rows[0][3] == (3 * 3 * 3 + 1) * 16 == rows[0][4]
    assert rows[2][2] == (16, 16, 16) and rows[4][3] == (4096 + 1) * 10
    assert formula_parameters(nn.Conv2d(8, 4, (5, 3), bias=False)) == 5 * 3 * 8 * 4
    table = layer_table(model, (3, 32, 32))
    assert "✗" not in table and "41,418" in table


def test_multiply_adds_count_one_weighted_sum_per_output_number():
    conv = nn.Conv2d(3, 16, 3, padding=1)
    rows = layer_rows(nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.Linear(16 * 32 * 32, 10)), (3, 32, 32))
    assert rows[0][5] == (16 * 32 * 32) * (3 * 3 * 3)       # outputs x inputs per weighted sum
    assert rows[1][5] == 0 and rows[3][5] == 16 * 32 * 32 * 10
    grouped = nn.Conv2d(8, 8, 3, groups=8)                    # depthwise: one channel per sum
    assert layer_rows(nn.Sequential(grouped), (8, 10, 10))[0][5] == 8 * 8 * 8 * 9
    assert "multiply-adds" in layer_table(nn.Sequential(conv), (3, 32, 32), cost=True)


def test_reference_letters_and_filters_cannot_be_changed_by_accident():
    with pytest.raises(ValueError, match="read-only"):
        xo.X[4, 4] = -1.0
    with pytest.raises(ValueError, match="read-only"):
        xo.FILTERS["centre x"][0, 0] = 0.0
    with pytest.raises(TypeError):
        xo.FILTERS["new"] = xo.FILTERS["centre x"]
    mine = xo.X.copy()
    mine[4, 4] = -1.0            # a student's copy changes; the reference does not
    assert xo.X[4, 4] == 1.0 and xo.classify(xo.X) == "X"

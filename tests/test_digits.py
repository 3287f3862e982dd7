"""Drawn digits are prepared as MNIST's were, and a trained network reads them."""

import numpy as np
import pytest
import torch

from cnnlab.concepts.digits import EXAMPLE_STROKES, centre_of_mass, mnist_style, render_strokes
from cnnlab.widgets.sketch import DigitCanvas


def ink_box(image: np.ndarray) -> tuple[int, int]:
    rows, cols = np.nonzero(image > 0)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


@pytest.mark.parametrize("digit", range(10))
def test_prepared_like_mnist(digit):
    image = mnist_style(render_strokes(EXAMPLE_STROKES[digit]))
    assert image.shape == (28, 28) and image.dtype == np.uint8
    assert max(ink_box(image)) in (20, 21)                      # longer side scaled to the 20-box
    row, col = centre_of_mass(image)
    assert abs(row - 13.5) < 0.75 and abs(col - 13.5) < 0.75      # centre of mass at the centre
    assert ((image > 0) & (image < 255)).sum() > 20             # anti-aliased grey edges


def test_size_and_place_of_the_drawing_do_not_matter():
    big = [[(x, y) for x, y in stroke] for stroke in EXAMPLE_STROKES[4]]
    small = [[(20 + x / 3, 10 + y / 3) for x, y in stroke] for stroke in EXAMPLE_STROKES[4]]  # top-left
    a = mnist_style(render_strokes(big, width=28)).astype(float)
    b = mnist_style(render_strokes(small, width=28 / 3)).astype(float)
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.9
    assert mnist_style(np.zeros((280, 280), np.float32)).sum() == 0  # an empty canvas


def test_canvas_draws_from_code_and_clears():
    seen = []
    canvas = DigitCanvas(on_change=seen.append)
    image = canvas.draw(EXAMPLE_STROKES[1])
    assert len(seen) == 1 and seen[0] is image and image.max() > 200 and len(canvas.strokes) == 1
    canvas.clear()
    assert canvas.strokes == [] and canvas.image.sum() == 0


@pytest.mark.integration
@pytest.mark.slow   # make test-all: trains on MNIST first
def test_a_trained_network_reads_the_drawn_digits():
    from cnnlab.data import load_dataset, normalize
    from cnnlab.training.loop import train_recipe
    from cnnlab.training.recipe import RECIPES

    train = load_dataset("mnist", "train").take(20_000, seed=0)
    run = train_recipe(RECIPES["keras_mnist"], train, None, torch.device("cpu"), epochs=1, seed=0)
    model = run["model"].eval()
    canvas = DigitCanvas()
    read = []
    for strokes in EXAMPLE_STROKES.values():
        canvas.clear()
        x = normalize(torch.from_numpy(canvas.draw(strokes))[None, None], *train.stats())
        with torch.no_grad():
            read.append(int(model(x).argmax()))
    right = sum(r == d for r, d in zip(read, EXAMPLE_STROKES))
    assert right >= 9, f"the network read {read} for the digits 0-9"

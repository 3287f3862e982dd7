"""The X/O toy: 9x9 images of -1 (background) and +1 (stroke), three 3x3 filters, a vote."""

import functools
from types import MappingProxyType

import numpy as np
import torch
from PIL import Image

from cnnlab.concepts.conv import conv2d_naive, pool2d_naive

X = np.full((9, 9), -1.0)
for i in range(1, 8):
    X[i, i] = X[i, 8 - i] = 1.0

O = np.full((9, 9), -1.0)
O[1, 3:6] = O[7, 3:6] = O[3:6, 1] = O[3:6, 7] = 1.0
O[2, 2] = O[2, 6] = O[6, 2] = O[6, 6] = 1.0

FILTERS = {
    "diagonal \\": np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], float),
    "centre x": np.array([[1, -1, 1], [-1, 1, -1], [1, -1, 1]], float),
    "diagonal /": np.array([[-1, -1, 1], [-1, 1, -1], [1, -1, -1]], float),
}


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


# The reference letters and filters are read-only: an edit in a notebook (X[4, 4] = -1) would
# otherwise change them for every later cell and notebook of the session. Notebooks take
# copies to play with: `X = xo.X.copy()`.
X, O = _read_only(X), _read_only(O)
FILTERS = MappingProxyType({name: _read_only(f) for name, f in FILTERS.items()})


def shifted(image: np.ndarray, rows: int = 0, cols: int = 0) -> np.ndarray:
    """Move the drawing; pixels that come in from the edge are background."""
    out = np.full_like(image, -1.0)
    h, w = image.shape
    src = image[max(0, -rows):h - max(0, rows), max(0, -cols):w - max(0, cols)]
    out[max(0, rows):max(0, rows) + src.shape[0], max(0, cols):max(0, cols) + src.shape[1]] = src
    return out


def thicker(image: np.ndarray) -> np.ndarray:
    """Each stroke pixel also colours its right-hand neighbour."""
    stroke = image > 0
    stroke[:, 1:] |= stroke[:, :-1]
    stroke[:, -1] = image[:, -1] > 0  # keep the border as it was
    return np.where(stroke, 1.0, -1.0)


def rotated(image: np.ndarray, degrees: float = 10) -> np.ndarray:
    """A slightly rotated copy (nearest pixel), still -1/+1."""
    mask = Image.fromarray(((image > 0) * 255).astype(np.uint8))
    turned = np.asarray(mask.rotate(degrees, resample=Image.Resampling.NEAREST)) > 127
    return np.where(turned, 1.0, -1.0)


def variants() -> dict[str, tuple[np.ndarray, str]]:
    """Test images and their true letters; none of them is in the vote's training set."""
    return {"X": (X, "X"), "O": (O, "O"),
            "X shifted": (shifted(X, 1, 1), "X"), "O shifted": (shifted(O, 1, 1), "O"),
            "X shifted back": (shifted(X, -1, -1), "X"), "O shifted back": (shifted(O, -1, -1), "O"),
            "X thicker": (thicker(X), "X"), "O thicker": (thicker(O), "O"),
            "X rotated": (rotated(X, 10), "X"), "O rotated": (rotated(O, -10), "O")}


def match_score(patch: np.ndarray, kernel: np.ndarray) -> float:
    """Line up, multiply pixel by pixel, add up, divide by the number of pixels."""
    return float((patch * kernel).sum() / kernel.size)


def feature_maps(image: np.ndarray) -> np.ndarray:
    """(3, 7, 7): each filter's match score at every position."""
    x = torch.tensor(image, dtype=torch.float64)[None, None]           # (1, 1, 9, 9)
    w = torch.tensor(np.stack(list(FILTERS.values())))[:, None]        # (3, 1, 3, 3)
    return (conv2d_naive(x, w) / 9)[0].numpy()


def relu(maps: np.ndarray) -> np.ndarray:
    return np.maximum(maps, 0.0)


def pooled(maps: np.ndarray, window: int = 2, stride: int = 2) -> np.ndarray:
    """(3, 7, 7) -> (3, 3, 3) max pooling."""
    return pool2d_naive(torch.tensor(maps)[None], window, stride, "max")[0].numpy()


def features(image: np.ndarray) -> np.ndarray:
    """conv -> ReLU -> pool, flattened: the 27 numbers the vote sees."""
    return pooled(relu(feature_maps(image))).ravel()


LETTERS = ("X", "O")


@functools.cache
def vote_layer() -> tuple[np.ndarray, np.ndarray]:
    """A fully connected layer 27 -> 2 (weights (2, 27), bias (2,)), learned by gradient descent.

    Its training images: the clean X and O, each also moved one pixel up, down, left and right.
    Diagonal shifts, thicker strokes and rotations are never shown to it.
    """
    examples = [(features(shifted(image, dr, dc)), label)
                for label, image in enumerate((X, O))
                for dr, dc in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))]
    inputs = torch.tensor(np.stack([f for f, _ in examples]))          # (10, 27)
    labels = torch.tensor([label for _, label in examples])
    weight = torch.zeros(2, inputs.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([weight, bias], lr=0.5)
    for _ in range(300):  # full batch, deterministic
        loss = torch.nn.functional.cross_entropy(inputs @ weight.T + bias, labels)
        loss = loss + 1e-3 * (weight ** 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return weight.detach().numpy(), bias.detach().numpy()


def vote(image: np.ndarray) -> dict[str, float]:
    """{"X": score, "O": score}; the larger one is the answer."""
    weight, bias = vote_layer()
    scores = weight @ features(image) + bias
    return dict(zip(LETTERS, scores.tolist()))


def classify(image: np.ndarray) -> str:
    scores = vote(image)
    return max(scores, key=scores.get)

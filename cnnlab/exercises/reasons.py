"""Exercises on the reasons of notebooks 01-06: predictions, checked against what the notebook measures.

Each asks for a prediction or a why (what a shuffle does to which network, where a shifted map
goes, which gradient vanishes, what zero initialisation does) and explains the answer once given.
"""

import numpy as np
import torch
import torch.nn.functional as F

from cnnlab.concepts import xo
from cnnlab.exercises.core import Wrong, exercise, number, result_of, same, whole_number


def _word(answer, choices: tuple[str, ...]) -> str:
    """The answer as one of `choices` (case and spaces ignored), or Wrong naming the choices."""
    if not isinstance(answer, str) or answer.strip().lower() not in choices:
        raise Wrong(f"answer with one of the words {', '.join(repr(c) for c in choices)}, got {answer!r}")
    return answer.strip().lower()


# --- 01 · Pixels and channels -------------------------------------------------------------------

@exercise("01.5", "the fully connected network on shuffled pixels (a prediction)", """
### BEGIN SOLUTION
fully_connected_after_shuffle = "same"   # it never used which pixels are neighbours
### END SOLUTION
""", "a fully connected neuron has one weight per pixel and no notion of which pixels sit side by "
     "side; does moving every pixel to a fixed new place take anything away from it?",
          stub='fully_connected_after_shuffle = None   # your answer: "higher", "same" or "lower"')
def _shuffle(answer, seed=0):
    word = _word(answer, ("higher", "same", "lower"))
    if word == "lower":
        raise Wrong('"lower" is what happens to the convolutional network, not to this one')
    if word == "higher":
        raise Wrong("the shuffle adds no information, so nothing can get better")
    return ("the same, within noise: shuffling its inputs only reorders the columns of its first weight "
            "matrix. The convolutional network is the one that loses, because it assumes neighbours matter.")


# --- 02 · Convolution by hand -------------------------------------------------------------------

@exercise("02.3", "the feature map of a shifted letter, predicted", '''
def predict_shifted(feature_map, right):
    """(h, w) map of a letter -> (h, w) map of the letter moved `right` pixels right; unknown columns NaN."""
    ### BEGIN SOLUTION
    predicted = np.full(feature_map.shape, np.nan)
    width = feature_map.shape[1]
    predicted[:, right:] = feature_map[:, :width - right]   # every score moves with its patch
    return predicted
    ### END SOLUTION
''', "every score belongs to a patch of the letter; when the letter moves `right` pixels, where does "
     "that patch, and so its score, end up? Mind the case right = 0.", code=True)
def _predict_shifted(predict_shifted, seed=0):
    for letter_name, letter in (("X", xo.X), ("O", xo.O)):
        for right in (0, 1, 2):
            index = right % 3                                      # a different filter for each shift
            case = f"the {letter_name} moved {right} pixel(s) right, filter {list(xo.FILTERS)[index]!r}"
            original = xo.feature_maps(letter)[index]
            moved = xo.feature_maps(xo.shifted(letter, 0, right))[index]
            got = np.asarray(result_of(predict_shifted, original.copy(), right, case=case), dtype=float)
            if got.shape != moved.shape:
                raise Wrong(f"on {case} expected shape {moved.shape}, got {got.shape}: the map keeps its size")
            known = np.zeros(moved.shape, bool)
            known[:, right:] = True
            if np.isnan(got[known]).any():
                raise Wrong(f"on {case} you marked columns as unknown that the old map already tells")
            same(torch.from_numpy(got[known]), torch.from_numpy(moved[known]), case)
            if right and not np.isnan(got[~known]).all():
                raise Wrong(f"on {case} the first {right} column(s) came in from the edge: no old score "
                            "belongs there, so they must be np.nan")
    return ("shift the input and the map shifts with it: translation equivariance, because the same filter "
            "is used at every position")


# --- 03 · Convolution arithmetic ----------------------------------------------------------------

@exercise("03.5", "the weight and output shapes of a strided convolution (a prediction)", """
### BEGIN SOLUTION
# weight: (C_out, C_in, k_h, k_w); output: (N, C_out, H_out, W_out), H_out = (32 + 2*2 - 5) // 2 + 1 = 16
predicted_shapes = ((8, 3, 5, 5), (16, 8, 16, 16))
### END SOLUTION
""", "the weight's axes are (filters, input channels, kernel rows, kernel columns); the output has one "
     "channel per filter, and its size comes from the formula at the top with this stride and padding",
          stub="predicted_shapes = None   # your answer: (weight shape, output shape)")
def _shapes(answer, seed=0):
    layer = torch.nn.Conv2d(3, 8, 5, stride=2, padding=2)
    weight, output = tuple(layer.weight.shape), tuple(layer(torch.zeros(16, 3, 32, 32)).shape)
    try:
        got_weight, got_output = (tuple(int(n) for n in part) for part in answer)
    except (TypeError, ValueError):
        raise Wrong(f"expected a pair of tuples such as ((1, 2, 3, 4), (5, 6, 7, 8)), got {answer!r}") from None
    if got_weight == (3, 8, 5, 5):
        raise Wrong("PyTorch stores the filters first: the weight's first axis is C_out, then C_in")
    if got_weight != weight:
        raise Wrong(f"the weight shape {got_weight} is not it: four axes, one per filter, input channel, "
                    "kernel row and kernel column")
    if got_output[:2] == (16, 8) and got_output[2:] == (32, 32):
        raise Wrong("the weight is right; the output size ignores the stride: stride 2 skips every other position")
    if got_output[:2] == (16, 8) and got_output[2:] == (14, 14):
        raise Wrong("the weight is right; the output size ignores the padding of 2")
    if got_output != output:
        raise Wrong(f"the weight is right; the output shape {got_output} is not: (N, C_out, H_out, W_out)")
    return f"weight {weight}, output {output}: 8 filters give 8 channels, and stride 2 halves the size"


@exercise("03.6", "multiply-adds of nn.Conv2d(16, 32, 5, padding=2) on a 32x32 input", """
### BEGIN SOLUTION
conv_multiply_adds = 32 * 32 * 32 * (5 * 5 * 16)   # outputs (H_out x W_out x C_out) x inputs per sum
### END SOLUTION
""", "count the numbers in the output first; each one is a weighted sum over a 5x5 window of every input "
     "channel", stub="conv_multiply_adds = None   # your answer")
def _multiply_adds(answer, seed=0):
    right = 32 * 32 * 32 * 5 * 5 * 16
    whole_number(answer, right, {
        5 * 5 * 16 * 32: "that is the number of weights; each is used at every output position",
        32 * 32 * 32 * 5 * 5: "each weighted sum reaches across all 16 input channels, not one"})
    return f"{right:,} multiply-adds for 12,832 parameters: each weight is used {32 * 32:,} times, once per position"


# --- 04 · ReLU and other activations ------------------------------------------------------------

@exercise("04.4", "the largest product of 10 sigmoid slopes (a prediction)", """
### BEGIN SOLUTION
largest_product = 0.25 ** 10   # the sigmoid's slope is at most 0.25, at z = 0
### END SOLUTION
""", "find the sigmoid's steepest slope on the plot (or from sigma'(z) = sigma(z) (1 - sigma(z))); the "
     "product is largest when every one of the 10 factors is at its largest",
          stub="largest_product = None   # your answer")
def _sigmoid_product(answer, seed=0):
    z = torch.linspace(-8, 8, 16001, dtype=torch.float64)
    steepest = float((torch.sigmoid(z) * (1 - torch.sigmoid(z))).max())
    right = steepest ** 10
    value = number(answer)
    if abs(value - right) <= 1e-3 * right:
        return (f"{right:.1e}: at best a millionth. Real units are rarely at their steepest, so it is "
                "smaller still; this is the vanishing gradient")
    if abs(value - 0.5 ** 10) < 1e-6:
        raise Wrong("0.5 is the sigmoid's value at 0, not its slope there")
    if abs(value - 0.25 * 10) < 1e-9:
        raise Wrong("the slopes multiply, they do not add")
    raise Wrong(f"{value:.3g} is not it")


@exercise("04.5", "the threshold of ReLU(2x - 3)", """
### BEGIN SOLUTION
threshold = 3 / 2   # 2x - 3 > 0 exactly when x > 1.5: the bias -3 sets the bar, the weight 2 scales it
### END SOLUTION
""", "the unit's output is positive exactly when what goes into the ReLU is positive; solve 2x - 3 > 0",
          stub="threshold = None   # your answer")
def _threshold(answer, seed=0):
    value = number(answer)
    if abs(value - 1.5) < 1e-9:
        return "1.5: with weight w and bias b the unit fires once w x > -b, so the learned bias sets the bar"
    if abs(value - 3) < 1e-9:
        raise Wrong("3 is the bias's size; the weight 2 scales the input before the bias is added")
    raise Wrong(f"{value:g} is not it: ReLU(2 * {value:g} - 3) = {max(2 * value - 3, 0):g}")


# --- 05 · Pooling -------------------------------------------------------------------------------

@exercise("05.3", "the gradient through 2x2 max pooling (a prediction)", """
### BEGIN SOLUTION
pool_gradient = [[0, 1, 0, 0],
                 [0, 0, 1, 0],
                 [1, 0, 0, 0],
                 [0, 0, 0, 1]]   # 1 at the largest number of each 2x2 block, 0 elsewhere
### END SOLUTION
""", "only the largest number of each window decided its pooled value; nudging any other number of "
     "the window changes nothing", stub="pool_gradient = None   # your answer: a 4x4 list of lists")
def _pool_gradient(answer, grid, seed=0):
    values = torch.as_tensor(grid, dtype=torch.float64).clone().requires_grad_(True)
    F.max_pool2d(values[None, None], 2).sum().backward()
    try:
        got = torch.as_tensor(answer, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise Wrong(f"expected a 4x4 list of lists of numbers, got {answer!r}") from None
    if got.shape == values.shape and torch.allclose(got, torch.full_like(got, 0.25)):
        raise Wrong("a quarter everywhere is average pooling's gradient; max pooling chose one number per window")
    same(got, values.grad, "the exercise map")
    return "the gradient goes only to each window's largest number; the other three get nothing"


# --- 06 · How a network learns ------------------------------------------------------------------

@exercise("06.6", "how many different filters grow from equal starting filters (a prediction)", """
### BEGIN SOLUTION
distinct_filters = 1   # equal filters get equal gradients and take equal steps, for ever
### END SOLUTION
""", "if two filters hold the same numbers and the vote treats them alike, do their maps differ? "
     "Do their gradients?", stub="distinct_filters = None   # your answer")
def _symmetry(answer, seed=0):
    whole_number(answer, 1, {
        3: "that would need something to make the filters differ; with equal starts and an equal vote, what could?",
        0: "a filter of 0.1s is not zero, and the filters do change; the question is whether they change "
           "differently"})
    return ("1: the three filters compute the same map, get the same gradient and take the same step, "
            "so they never part. Random starting weights break this symmetry")

"""Answer checks for the exercises: ✓ when right, a hint when unanswered, a clear error when wrong."""

import math

import numpy as np
import torch

from cnnlab.conv import output_size


class WrongAnswer(AssertionError):
    """The answer is not right; the message says what to reconsider."""


def _unanswered(answer, hint: str) -> bool:
    if answer is None or answer is ...:
        print(f"Not answered yet. Hint: {hint}")
        return True
    return False


def _close(a, b) -> bool:
    return np.allclose(np.asarray(a, float), np.asarray(b, float), atol=1e-6)


def check_fully_connected_weights(small, large) -> None:
    """Weights of ONE fully connected neuron looking at a 28x28x3 and a 200x200x3 image."""
    if _unanswered(small, "one weight per input number: height x width x channels"):
        return
    if small != 28 * 28 * 3 or large != 200 * 200 * 3:
        raise WrongAnswer(f"got {small} and {large}. Each input number (every pixel of every "
                          "channel) needs its own weight: multiply height, width and channels.")
    print(f"✓ {small:,} and {large:,} weights — for a single neuron. A layer of 1,000 such "
          f"neurons on 200x200 images would need {1000 * large:,}.")


def check_xo_scores(scores: dict) -> None:
    """{'perfect': score of a matching patch, 'seven_of_nine': 7 of 9 pixels agree}."""
    if _unanswered(scores, "score = sum(patch * filter) / 9"):
        return
    if not math.isclose(scores["perfect"], 1.0):
        raise WrongAnswer(f"a perfect match should score 1.00, got {scores['perfect']:.2f}: every "
                          "product is (+1)(+1) or (-1)(-1) = 1, nine of them, divided by 9.")
    if not math.isclose(scores["seven_of_nine"], 5 / 9):
        raise WrongAnswer(f"7 agreeing and 2 disagreeing pixels give (7 - 2) / 9 = 0.555..., got "
                          f"{scores['seven_of_nine']:.3f}")
    print("✓ 1.00 for a perfect match, 5/9 = 0.555… when 7 of 9 pixels agree "
          "(the tutorial prints it as 0.55)")


def check_output_size(answer, n, kernel, stride=1, padding=0, dilation=1) -> None:
    if _unanswered(answer, "floor((n + 2p - d(k - 1) - 1) / s) + 1"):
        return
    right = output_size(n, kernel, stride, padding, dilation)
    if answer != right:
        raise WrongAnswer(f"{answer} is not it. Count how many whole windows of span "
                          f"{dilation * (kernel - 1) + 1} fit into {n + 2 * padding} padded pixels "
                          f"when moving {stride} at a time.")
    print(f"✓ {right}")


def check_parameter_count(answer, layer: torch.nn.Module) -> None:
    """(n*m*l + 1)*k for a conv layer: k filters of n x m x l weights plus one bias each."""
    if _unanswered(answer, "(n·m·l + 1)·k: kernel height x width x input channels, plus a bias, per filter"):
        return
    right = sum(p.numel() for p in layer.parameters())
    if answer != right:
        raise WrongAnswer(f"{answer} is not {type(layer).__name__}'s count. Did you forget the bias "
                          "(+1 per filter) or the input channels (l)?")
    print(f"✓ {right:,} parameters")


def check_relu(before, after) -> None:
    """`after` must be ReLU(before): negatives become 0, the rest unchanged."""
    if _unanswered(after, "ReLU keeps positive numbers and replaces negative ones with 0"):
        return
    if not _close(after, np.maximum(np.asarray(before, float), 0)):
        raise WrongAnswer("not ReLU: every negative value must become 0 and every other value stay")
    print("✓ negatives are gone, the positive evidence is untouched")


def check_pooled(answer, x, window: int, stride: int, mode: str = "max") -> None:
    """`answer` must be x pooled with this window and stride."""
    if _unanswered(answer, f"take the {mode} of each {window}x{window} window, stepping {stride}"):
        return
    from cnnlab.conv import pool2d_naive

    right = pool2d_naive(torch.as_tensor(np.asarray(x, float))[None, None], window, stride, mode)[0, 0]
    if np.shape(answer) != tuple(right.shape):
        raise WrongAnswer(f"the pooled map should be {tuple(right.shape)}, yours is {np.shape(answer)}")
    if not _close(answer, right):
        raise WrongAnswer(f"the shape is right but some values are not the {mode} of their window")
    print(f"✓ {tuple(right.shape)} — {mode} pooling")


def check_number(answer, right, hint: str) -> None:
    """A generic numeric exercise: ✓, the hint when unanswered, or the hint again when wrong."""
    if _unanswered(answer, hint):
        return
    if not _close(answer, right):
        raise WrongAnswer(f"{answer} is not right. Hint: {hint}")
    print(f"✓ {answer}")

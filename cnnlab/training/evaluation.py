"""Judging a classifier: loss and accuracy, predictions (with test-time augmentation), per-class
accuracy, the confusion matrix, and how long a full test takes."""

import time

import torch
import torch.nn.functional as F

from cnnlab.data.batches import Batches, eval_batch_size
from cnnlab.training.runtime import autocast, channels_last_pays


def tta_logits(model, x, level: int = 0) -> torch.Tensor:
    """Average the logits over cheap variants: 0 = none, 1 = + mirror, 2 = + 1-pixel shifts."""
    logits = model(x).float()
    if level >= 1:
        logits = (logits + model(x.flip(3)).float()) / 2
    if level >= 2:
        padded = F.pad(x, (1, 1, 1, 1), mode="reflect")
        shifted = [padded[:, :, :-2, :-2], padded[:, :, 2:, 2:]]  # up-left, down-right
        logits = (logits + sum(tta_logits(model, s, 1) for s in shifted) / 2) / 2
    return logits


@torch.no_grad()
def predict(model, batches, device=None, amp_dtype=None, tta: int = 0):
    """Return (logits (N, classes), labels (N,)) over all batches, with test-time augmentation `tta`."""
    model.eval()
    device = device or next(model.parameters()).device
    all_logits, all_labels = [], []
    for x, y in batches:
        with autocast(torch.device(device), amp_dtype):
            logits = tta_logits(model, x, int(tta))
        all_logits.append(logits)
        all_labels.append(y)
    return torch.cat(all_logits), torch.cat(all_labels)


def evaluate(model, batches, device=None, amp_dtype=None, prefix: str = "val", tta: int = 0) -> dict:
    """{"val_loss", "val_accuracy"} of the model on `batches`."""
    logits, labels = predict(model, batches, device, amp_dtype, tta)
    return {f"{prefix}_loss": F.cross_entropy(logits, labels).item(),
            f"{prefix}_accuracy": (logits.argmax(1) == labels).float().mean().item()}


def confusion_matrix(predicted: torch.Tensor, actual: torch.Tensor, classes: int) -> torch.Tensor:
    """counts[i, j] = how many images of class i were predicted as class j."""
    index = actual.cpu().long() * classes + predicted.cpu().long()
    return torch.bincount(index, minlength=classes * classes).reshape(classes, classes)


def per_class_accuracy(matrix: torch.Tensor) -> torch.Tensor:
    return matrix.diag().float() / matrix.sum(1).clamp(min=1).float()


def report(matrix: torch.Tensor, class_names: list[str]) -> str:
    """The tutorial's printout: accuracy per class, then overall."""
    accuracy = per_class_accuracy(matrix)
    lines = [f"Test accuracy of {name:>11s}: {100 * acc:5.1f}% ({int(matrix[i, i])}/{int(matrix[i].sum())})"
             for i, (name, acc) in enumerate(zip(class_names, accuracy))]
    total = matrix.diag().sum().item() / max(matrix.sum().item(), 1)
    lines.append(f"Test accuracy (overall): {100 * total:5.2f}% ({int(matrix.diag().sum())}/{int(matrix.sum())})")
    return "\n".join(lines)


def tta_accuracy(model, data, device, amp_dtype=None, batch_size: int = 0, tta: int = 1) -> float:
    """Accuracy with test-time augmentation (see tta_logits); batch_size 0: eval_batch_size."""
    batches = Batches(data, batch_size or eval_batch_size(device), device, channels_last=channels_last_pays(device))
    logits, labels = predict(model, batches, device, amp_dtype, tta)
    return (logits.argmax(1) == labels).float().mean().item()


def time_evaluation(model, test, device, amp_dtype=None, tta: int = 1, sample: int = 1000,
                    batch_size: int = 0) -> float:
    """Seconds the final test evaluation will take, timed on `sample` test images (weights don't matter)."""
    part = test.subset(range(min(sample, len(test))))
    times = []
    for _ in range(2):  # the first pass also sets up the convolution kernels for this shape
        begin = time.monotonic()
        tta_accuracy(model, part, device, amp_dtype, batch_size, tta)  # ends in .item(): waits for a GPU
        times.append(time.monotonic() - begin)
    model.train()
    return min(times) * len(test) / len(part)

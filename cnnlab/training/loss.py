"""The loss every recipe trains on: cross-entropy with label smoothing, summed or averaged."""

import torch
import torch.nn.functional as F


class CrossEntropy:
    """Cross-entropy with label smoothing, summed or averaged over the batch.

    The reduction matters beyond scale: an optimizer's learning rates are tuned for one of them
    (`optimizers.Optimizer.reduction`), and a `recipe.Recipe` refuses a mismatched pair.
    """

    def __init__(self, reduction: str = "mean", label_smoothing: float = 0.0):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction, self.label_smoothing = reduction, label_smoothing

    def __call__(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing,
                               reduction=self.reduction)

    def per_image(self, loss: torch.Tensor, batch: int) -> torch.Tensor:
        """The batch's loss as an average per image, whatever the reduction."""
        return loss / batch if self.reduction == "sum" else loss

    def __repr__(self) -> str:
        return f"CrossEntropy(reduction={self.reduction!r}, label_smoothing={self.label_smoothing})"

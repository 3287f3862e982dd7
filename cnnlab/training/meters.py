"""What training measures along the way: the running loss and accuracy (`Meter`), a NaN stop,
and accuracy at moments of training for curves against time (`Probe`)."""

import torch

from cnnlab.data.batches import Batches, eval_batch_size
from cnnlab.training.evaluation import evaluate
from cnnlab.training.loss import CrossEntropy
from cnnlab.training.schedule import Clock


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def check_finite(loss: torch.Tensor, step: int) -> None:
    if not torch.isfinite(loss):
        raise TrainingDiverged(
            f"The loss became {loss.item()} at step {step}: training diverged. Lower the learning "
            "rate (try 10x smaller), check the inputs are normalised, then run the cell again. "
            "The last good checkpoint is untouched.")


class Meter:
    """Running training loss (per image) and accuracy, synced once per epoch, not per step."""

    def __init__(self, loss: CrossEntropy):
        self.loss = loss
        self.total, self.correct, self.seen, self.last = 0.0, 0, 0, torch.tensor(0.0)

    def add(self, loss: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        self.last = self.loss.per_image(loss.detach(), len(labels))
        self.total = self.total + self.last * len(labels)
        self.correct = self.correct + (logits.detach().argmax(1) == labels).sum()
        self.seen += len(labels)

    def result(self) -> dict:
        """{"train_loss", "train_accuracy"}; raises TrainingDiverged on a NaN/inf loss."""
        if not self.seen:
            return {}
        loss = torch.as_tensor(self.total).float() / self.seen
        check_finite(loss, self.seen)
        return {"train_loss": loss.item(), "train_accuracy": float(self.correct) / self.seen}


class Probe:
    """Accuracy on a fixed set of images at `points - 1` evenly spaced moments of training, for curves
    of accuracy against training time. The time it takes is left off the clock (`Clock.paused`).
    Pass it as `train_recipe(..., on_step=probe)`; `probe.curve` holds (seconds, accuracy) pairs."""

    def __init__(self, data, device, points: int = 6, amp_dtype=None, channels_last: bool = False):
        self.batches = Batches(data, eval_batch_size(device), device, channels_last=channels_last)
        self.device, self.points, self.amp_dtype = device, points, amp_dtype
        self.curve = []

    def __call__(self, model, clock: Clock) -> None:
        fraction = clock.fraction()
        if fraction >= 1 or fraction * self.points < len(self.curve) + 1:
            return                                   # not yet; and the end is the caller's to measure
        with clock.paused():
            accuracy = evaluate(model, self.batches, self.device, amp_dtype=self.amp_dtype)["val_accuracy"]
            model.train()                            # evaluate() left it in eval mode
        self.curve.append((clock.elapsed, accuracy))

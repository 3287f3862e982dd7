"""One epoch of training and fit() for scripts and tests; the notebooks write their own loop."""

import math
import time
from contextlib import nullcontext
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from cnnlab.checkpoint import load_checkpoint, save_checkpoint
from cnnlab.evaluate import evaluate


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def autocast(device: torch.device, dtype: torch.dtype | None):
    """Mixed precision where asked for (bfloat16 on CPUs with AVX-512 BF16, float16/bf16 on GPUs)."""
    return torch.autocast(device.type, dtype=dtype) if dtype is not None else nullcontext()


def check_finite(loss: torch.Tensor, step: int) -> None:
    if not torch.isfinite(loss):
        raise TrainingDiverged(
            f"The loss became {loss.item()} at step {step}: training diverged. Lower the learning "
            "rate (try 10x smaller), check the inputs are normalised, then run the cell again. "
            "The last good checkpoint is untouched.")


def train_one_epoch(model, batches, optimizer, device, scheduler=None, label_smoothing: float = 0.0,
                    amp_dtype=None, deadline: float | None = None, progress: bool = True) -> dict:
    """Train for one pass over `batches`; return {"train_loss", "train_accuracy"}.

    Stops early (mid-epoch) once time.monotonic() passes `deadline`.
    """
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    bar = tqdm(batches, desc="train", leave=False, disable=not progress)
    for step, (x, y) in enumerate(bar):
        with autocast(device, amp_dtype):
            logits = model(x)
            loss = F.cross_entropy(logits.float(), y, label_smoothing=label_smoothing)
        check_finite(loss, step)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total_loss += loss.item() * len(y)  # .item() syncs; fine at this batch size
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
        bar.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{correct / seen:.3f}")
        if deadline is not None and time.monotonic() > deadline:
            break
    return {"train_loss": total_loss / max(seen, 1), "train_accuracy": correct / max(seen, 1)}


def fit(model, train_batches, val_batches, optimizer, device, epochs: int,
        checkpoint: str | None = None, resume: bool = True, time_budget: float | None = None,
        amp_dtype=None, progress: bool = True, on_epoch=None) -> list[dict]:
    """Train for `epochs` (or until `time_budget` seconds pass), keeping the best checkpoint.

    Args:
        checkpoint: path of the best-by-validation-loss checkpoint; a `.last` file beside it
            holds the latest epoch so an interrupted run resumes where it stopped.
        resume: continue from `<checkpoint>.last` when it exists.
        on_epoch: called with the history after each epoch (live plots).
    """
    history, start_epoch, best = [], 0, math.inf
    last = f"{checkpoint}.last" if checkpoint else None
    if last and resume and Path(last).is_file():
        state = load_checkpoint(last, model, optimizer)
        history, start_epoch = state["history"], state["epoch"] + 1
        best = min(h["val_loss"] for h in history)
        train_batches.generator.set_state(state["batches_rng"])
        train_batches.epoch = state["batches_epoch"]
    deadline = time.monotonic() + time_budget if time_budget else None
    for epoch in range(start_epoch, epochs):
        stats = {"epoch": epoch + 1}
        stats |= train_one_epoch(model, train_batches, optimizer, device, amp_dtype=amp_dtype,
                                 deadline=deadline, progress=progress)
        stats |= evaluate(model, val_batches, device, amp_dtype=amp_dtype)
        history.append(stats)
        if checkpoint and stats["val_loss"] < best:
            best = stats["val_loss"]
            save_checkpoint(checkpoint, model, optimizer, epoch, history=history)
        if last:
            save_checkpoint(last, model, optimizer, epoch, history=history,
                            batches_rng=train_batches.generator.get_state(),
                            batches_epoch=train_batches.epoch)
        if on_epoch:
            on_epoch(history)
        if deadline is not None and time.monotonic() > deadline:
            break
    return history

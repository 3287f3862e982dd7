"""Training recipes as named pieces. The notebooks write the loop that joins them; `train_recipe`
joins the very same pieces for the benchmark, so a change to a recipe changes both.

A recipe is: a network (and how to initialise it), a batch size, augmentation, an optimizer,
a loss (summed or averaged over the batch: the optimizer's tuning depends on it), a learning-rate
schedule over the fraction of training done, optional weight averaging (lookahead), and
test-time augmentation.
"""

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from cnnlab import models
from cnnlab.data import Batches, eval_batch_size, normalize
from cnnlab.distributed import ALONE, World, wrap
from cnnlab.evaluate import evaluate
from cnnlab.fast import Lookahead, lr_factor, muon_sgd, summed_loss_sgd
from cnnlab.runtime import bf16_autocast_is_fast
from cnnlab.train import autocast, check_finite


class CrossEntropy:
    """Cross-entropy with label smoothing, summed or averaged over the batch."""

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


def adam(model, batch_size: int, lr: float | None = None) -> torch.optim.Adam:
    """The tutorials' optimizer: Adam, learning rate 1e-3, for a loss averaged over the batch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr or 1e-3)
    for group in optimizer.param_groups:
        group["base_lr"] = group["lr"]
    return optimizer


adam.reduction = "mean"


def adamw(weight_decay: float) -> Callable:
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as a recipe's optimizer:
    each step also takes lr * weight_decay * w off every weight w, pulling unused weights to 0."""

    def make(model, batch_size: int, lr: float | None = None) -> torch.optim.AdamW:
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr or 1e-3, weight_decay=weight_decay)
        for group in optimizer.param_groups:
            group["base_lr"] = group["lr"]
        return optimizer

    make.reduction, make.__name__ = "mean", f"adamw({weight_decay})"
    return make


@dataclass(frozen=True)
class Recipe:
    """The named pieces of one way to train. See the module docstring."""

    name: str
    dataset: str
    network: Callable                 # widths -> nn.Module (widths ignored by fixed networks)
    batch_size: int
    augment: dict
    optimizer: Callable               # (model, batch_size, lr=None) -> optimizer with "base_lr"
    loss: CrossEntropy
    schedule: Callable | None = None  # fraction of training done -> learning-rate factor
    whitening: bool = False           # initialise model[0] from the training images' patches
    lookahead: bool = False
    tta: int = 0                      # test-time augmentation level (evaluate.tta_logits)
    widths: tuple = ()
    max_epochs: int = 60
    holdout: float = 0.2              # share of the training images kept back for validation
    keep_best: bool = True            # end on the weights with the lowest validation loss

    def __post_init__(self):
        wants = getattr(self.optimizer, "reduction", "mean")
        if wants != self.loss.reduction:
            raise ValueError(f"{self.name}: the optimizer {self.optimizer.__name__} is tuned for a "
                             f"loss {'summed' if wants == 'sum' else 'averaged'} over the batch but the loss uses {self.loss.reduction!r}; "
                             f"use CrossEntropy(reduction={wants!r}) or another optimizer.")

    def build(self, train, device, seed: int = 0, widths=None, channels_last: bool = False):
        """The network on `device`, seeded, whitening layer initialised from `train`."""
        torch.manual_seed(seed)
        model = self.network(tuple(widths or self.widths)) if self.widths else self.network()
        model = model.to(device)
        if self.whitening:
            models.init_whitening(model[0], normalize(train.images[:5000].to(device), *train.stats()))
        elif isinstance(model[0], torch.nn.Conv2d):
            model[0].weight.requires_grad_(True)   # not whitened: the first layer learns like the others
        return model.to(memory_format=torch.channels_last) if channels_last else model

    def batches(self, train, device, batch_size: int | None = None, seed: int = 0,
                channels_last: bool = False, augment: bool = True) -> Batches:
        return Batches(train, batch_size or self.batch_size, device, shuffle=True, drop_last=True,
                       seed=seed, channels_last=channels_last, **(self.augment if augment else {}))

    def adjust(self, model, optimizer, fraction: float) -> None:
        """Set what changes during training: the learning rate (and when the whitening bias learns)."""
        factor = self.schedule(fraction) if self.schedule else 1.0
        for group in optimizer.param_groups:
            group["lr"] = group["base_lr"] * factor
        if self.whitening:
            model[0].bias.requires_grad_(fraction < 0.3)  # the whitening bias learns early only

    def averager(self, model):
        return Averager(model) if self.lookahead else None

    def on(self, device, bfloat16: bool | None = None) -> "Recipe":
        """This recipe as tuned for `device`: the fast network gets wider where a step is cheap.

        The recipe itself is the float32 CPU's: widths 32/96/192 and a test with flips and
        1-pixel shifts (tta 2), worth about a quarter of a point there for 20 s more testing. On a
        GPU: widths 64/256/256, batches of 1024 and SGD for every weight. On a CPU with fast
        bfloat16 (`bfloat16`, by default `runtime.bf16_autocast_is_fast`): widths 32/128/256, since
        wider layers pay where bfloat16 halves a step (89.9 % against 89.1 % in 600 s), and the
        flips alone, since after 14 epochs the shifts add nothing measurable.
        """
        device = torch.device(device)
        if self.name != "fast":
            return self
        if device.type == "cuda":
            return replace(self, widths=GPU_WIDTHS, batch_size=GPU_BATCH_SIZE, optimizer=summed_loss_sgd)
        if device.type == "cpu" and (bf16_autocast_is_fast(device) if bfloat16 is None else bfloat16):
            return replace(self, widths=BF16_CPU_WIDTHS, tta=1)
        return self


class Averager:
    """Lookahead every 5 steps, pulling harder as training ends; `finish` keeps the average."""

    def __init__(self, model, every: int = 5):
        self.lookahead, self.every = Lookahead(model), every

    def step(self, model, step: int, fraction: float) -> None:
        if step % self.every == 0:
            self.lookahead.update(model, decay=0.95 ** self.every * fraction ** 3)

    def finish(self, model) -> None:
        self.lookahead.update(model, decay=1.0)

    def state_dict(self) -> dict:
        return self.lookahead.slow

    def load_state_dict(self, state: dict) -> None:
        for key, value in state.items():
            self.lookahead.slow[key].copy_(value)


class Clock:
    """How far training is, from 0 to 1: by time or by steps, whichever runs out first.

    The schedule follows `fraction()`, so the learning rate reaches its final value exactly when
    training stops, be it MAX_EPOCHS on a fast machine or the time budget on a slow one.
    `seconds=0` means no time limit; `steps=0` means no step limit.
    """

    def __init__(self, seconds: float = 0, steps: int = 0, elapsed: float = 0.0, step: int = 0):
        if not seconds and not steps:
            raise ValueError("give a time budget (seconds) or a number of steps, or both")
        self.seconds, self.total_steps, self.steps = seconds, steps, step
        self.started = time.monotonic() - elapsed

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def fraction(self) -> float:
        by_steps = self.steps / self.total_steps if self.total_steps else 0.0
        by_time = self.elapsed / self.seconds if self.seconds else 0.0
        return min(max(by_steps, by_time), 1.0)

    def done(self) -> bool:
        return self.fraction() >= 1.0

    def tick(self) -> None:
        self.steps += 1

    @contextmanager
    def paused(self):
        """Time spent inside `with clock.paused():` is not counted (e.g. measuring along the way)."""
        begin = time.monotonic()
        try:
            yield
        finally:
            self.started += time.monotonic() - begin


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


RECIPES = {
    # Keller Jordan's airbench (2024), adapted: widths for a CPU, bfloat16 where the CPU has it, and
    # Muon for the filters as in his airbench94_muon (on a CPU; see Recipe.on).
    "fast": Recipe(
        "fast", "cifar10", models.fast_net, batch_size=256, augment=dict(crop=2, flip="alternate"),
        optimizer=muon_sgd, loss=CrossEntropy("sum", label_smoothing=0.2),
        schedule=lr_factor, whitening=True, lookahead=True, tta=2, widths=(32, 96, 192)),
    # The PyTorch CIFAR-10 tutorial: batch 30, flips and 20-degree rotations, Adam 1e-3 throughout.
    "pytorch_tutorial": Recipe(
        "pytorch_tutorial", "cifar10", models.pytorch_tutorial_net, batch_size=30,
        augment=dict(flip="random", rotate=20), optimizer=adam, loss=CrossEntropy("mean")),
    # The TensorFlow CIFAR-10 tutorial's network, batch 64, flips and 2-pixel shifts, Adam 1e-3.
    "tf_tutorial": Recipe(
        "tf_tutorial", "cifar10", models.tf_tutorial_net, batch_size=64,
        augment=dict(flip="random", crop=2), optimizer=adam, loss=CrossEntropy("mean")),
    # The Keras MNIST tutorial: batch 100, Adam 1e-3 warmed up and decayed over its 3 epochs.
    "keras_mnist": Recipe(
        "keras_mnist", "mnist", models.keras_mnist_net, batch_size=100, augment={},
        optimizer=adam, loss=CrossEntropy("mean"), schedule=lr_factor, max_epochs=3,
        holdout=0.1, keep_best=False),
}

GPU_WIDTHS = (64, 256, 256)  # the fast recipe's widths where a GPU makes width cheap
BF16_CPU_WIDTHS = (32, 128, 256)  # ... and where a CPU's bfloat16 halves a step's cost
GPU_BATCH_SIZE = 1024


def train_recipe(recipe: Recipe, train, val, device, seconds: float = 0, epochs: float = 0,
                 batch_size: int | None = None, lr: float | None = None, widths=None,
                 amp_dtype=None, seed: int = 0, channels_last: bool = False,
                 on_epoch=None, started: float | None = None, world: World = ALONE,
                 sync_batchnorm: bool = False, compile: bool = False, on_step=None) -> dict:
    """The notebooks' training loop, for scripts: the same pieces in the same order.

    Stops after `epochs` or `seconds` of training, whichever comes first; with `val` and
    `recipe.keep_best`, the weights with the lowest validation loss are kept (the tutorials'
    rule), else the last ones.
    `started` (a time.monotonic() reading) counts `seconds` from then instead of from the
    first step, so that loading and setting up fit inside a benchmark's budget.
    `world` (cnnlab.distributed, under torchrun): each rank trains on its slice of every batch.
    `compile`: train through `torch.compile(model)`; compiling happens in the first steps, inside
    the clock, so it is paid for out of `seconds`. `on_step(model, clock)` is called after every
    step (e.g. a `Probe`).
    Returns {"model", "history", "steps", "epochs", "seconds"}.
    """
    model = recipe.build(train, device, seed, widths, channels_last)
    optimizer = recipe.optimizer(model, batch_size or recipe.batch_size, lr=lr)
    averager = recipe.averager(model)
    train_batches = recipe.batches(train, device, batch_size, seed, channels_last)
    val_batches = Batches(val, eval_batch_size(device), device, channels_last=channels_last) if val is not None else None
    clock = Clock(seconds, round(epochs * len(train_batches)) if epochs else 0,
                  elapsed=time.monotonic() - started if started is not None else 0.0)
    net = wrap(model, world, device, sync_batchnorm, frozen_later=recipe.whitening)   # the model itself unless under torchrun
    net = torch.compile(net) if compile else net
    scale = world.loss_scale(recipe.loss.reduction)
    history, best, best_state = [], float("inf"), None
    while world.agree(clock.fraction()) < 1:
        model.train()
        meter = Meter(recipe.loss)
        for x, y in train_batches:
            fraction = world.agree(clock.fraction())
            if fraction >= 1:
                break
            x, y = world.part(x, y)
            recipe.adjust(model, optimizer, fraction)
            with autocast(device, amp_dtype):
                logits = net(x)
            loss = recipe.loss(logits.float(), y)
            optimizer.zero_grad(set_to_none=True)
            (loss * scale).backward()
            optimizer.step()
            clock.tick()
            if averager:
                averager.step(model, clock.steps, fraction)
            meter.add(loss, logits, y)
            if on_step:
                on_step(model, clock)
        if world.agree(clock.fraction()) >= 1 and averager:
            averager.finish(model)
        stats = {"epoch": len(history) + 1, **meter.result()}
        if val_batches is not None:
            stats |= evaluate(model, val_batches, device, amp_dtype=amp_dtype)
            if recipe.keep_best and stats["val_loss"] < best:
                best = stats["val_loss"]
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        history.append(stats)
        if on_epoch:
            on_epoch(history)
    if best_state is not None:
        model.load_state_dict(best_state)
    return {"model": model, "history": history, "steps": clock.steps,
            "epochs": clock.steps / len(train_batches), "seconds": clock.elapsed}

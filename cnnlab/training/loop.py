"""`train_recipe`: the package's one training loop, for scripts, tests and benchmarks.

It is the notebooks' loop (forward, loss, backward, step, written out in notebooks 07-11) with
the same recipe pieces in the same order; tests/test_notebook_recipe.py proves both train the
same weights.
"""

import time

import torch

from cnnlab.data.batches import Batches, eval_batch_size
from cnnlab.training.distributed import ALONE, World, wrap
from cnnlab.training.evaluation import evaluate
from cnnlab.training.meters import Meter
from cnnlab.training.recipe import Recipe
from cnnlab.training.runtime import autocast
from cnnlab.training.schedule import Clock


def train_recipe(recipe: Recipe, train, val, device, seconds: float = 0, epochs: float = 0,
                 batch_size: int | None = None, lr: float | None = None, amp_dtype=None,
                 seed: int = 0, channels_last: bool = False, on_epoch=None, on_step=None,
                 started: float | None = None, world: World = ALONE, sync_batchnorm: bool = False,
                 compile: bool = False) -> dict:
    """Train `recipe` on `train`; stop after `epochs` or `seconds` of training, whichever comes first.

    With `val` and `recipe.keep_best`, the weights with the lowest validation loss are kept (the
    tutorials' rule), else the last ones. Widths and the rest of the network are the recipe's
    (`dataclasses.replace(recipe, widths=...)` for others).
    `started` (a time.monotonic() reading) counts `seconds` from then instead of from the
    first step, so that loading and setting up fit inside a benchmark's budget.
    `world` (training.distributed, under torchrun): each rank trains on its slice of every batch,
    and all ranks stop at the same step.
    `compile`: train through `torch.compile(model)`; compiling happens in the first steps, inside
    the clock, so it is paid for out of `seconds`. `on_step(model, clock)` is called after every
    step (e.g. a `meters.Probe`), `on_epoch(history)` after every epoch.
    Returns {"model", "history", "steps", "epochs", "seconds"}.
    """
    model = recipe.build(train, device, seed, channels_last)
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
    while world.agree(clock.fraction()) < 1:      # under torchrun, rank 0's clock decides for all
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

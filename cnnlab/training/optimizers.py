"""The recipes' optimizers, each with the loss reduction its learning rates are tuned for.

Adam (the tutorials'), AdamW, airbench's Nesterov SGD for a loss summed over the batch, and Muon
for the 3x3 filters (Keller Jordan's airbench94_muon, 2024) beside that SGD for the rest.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch

MOMENTUM = 0.85


@dataclass(frozen=True)
class Optimizer:
    """How a recipe builds its optimizer: `optimizer(model, batch_size, lr=None)`.

    `reduction` is the loss reduction ("mean" or "sum") the learning rates assume; every group
    gets a "base_lr", the rate a schedule's factor multiplies.
    """

    name: str
    build: Callable           # (model, batch_size, lr or None) -> torch optimizer
    reduction: str = "mean"

    def __call__(self, model, batch_size: int, lr: float | None = None):
        optimizer = self.build(model, batch_size, lr)
        for group in optimizer.param_groups:
            group["base_lr"] = group["lr"]
        return optimizer

    def __repr__(self) -> str:
        return self.name


adam = Optimizer("adam", lambda model, batch_size, lr: torch.optim.Adam(model.parameters(), lr=lr or 1e-3))


def adamw(weight_decay: float) -> Optimizer:
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): each step also takes
    lr * weight_decay * w off every weight w, pulling unused weights to 0."""
    return Optimizer(f"adamw({weight_decay})", lambda model, batch_size, lr: torch.optim.AdamW(
        model.parameters(), lr=lr or 1e-3, weight_decay=weight_decay))


def nesterov_sgd(model, batch_size: int, lr: float | None = None, weight_decay: float = 0.0153,
                 bias_scale: float = 64.0, skip=()) -> torch.optim.SGD:
    """airbench's Nesterov SGD. Its rates assume a loss SUMMED over the batch (not averaged).

    `lr` is in airbench's units (default 11.5), divided by 1024 * (1 + 1 / (1 - momentum)).
    `skip`: parameters another optimizer updates (see muon_sgd).
    """
    kilostep = 1024 * (1 + 1 / (1 - MOMENTUM))
    lr, decay = (lr or 11.5) / kilostep, weight_decay * batch_size / kilostep
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    norm_biases = [m.bias for m in norms]  # only BatchNorm biases get the 64x learning rate
    others = [p for p in model.parameters()
              if p.requires_grad and all(p is not b for b in norm_biases) and all(p is not s for s in skip)]
    groups = [dict(params=norm_biases, lr=lr * bias_scale, weight_decay=decay / (lr * bias_scale)),
              dict(params=others, lr=lr, weight_decay=decay / lr)]
    return torch.optim.SGD(groups, momentum=MOMENTUM, nesterov=True)


summed_loss_sgd = Optimizer("summed_loss_sgd", nesterov_sgd, reduction="sum")


def orthogonalize(g: torch.Tensor, steps: int = 3, eps: float = 1e-7) -> torch.Tensor:
    """(rows, cols) -> about U V^T where g = U S V^T: every direction of g gets a step of the same size.

    Newton-Schulz with airbench94_muon's quintic coefficients: cheap matrix products instead of an
    SVD. Not exact: for a random matrix the singular values come out between about 0.5 and 1.5;
    for a real gradient, whose smallest ones are tiny, those are lifted most of the way (notebook
    11 plots it), which is enough for training. bfloat16 on a GPU (as airbench), float32 on a CPU.
    """
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g.bfloat16() if g.is_cuda else g.float()
    x = x / (x.norm() + eps)                         # the largest singular value is now at most 1
    tall = x.size(0) > x.size(1)
    x = x.T if tall else x                           # (short, long): the products below stay small
    for _ in range(steps):
        gram = x @ x.T                               # (short, short)
        x = a * x + (b * gram + c * gram @ gram) @ x
    return (x.T if tall else x).to(g.dtype)


class Muon(torch.optim.Optimizer):
    """Momentum, then orthogonalise each filter bank's update; weights are kept at norm sqrt(out)."""

    def __init__(self, params, lr: float, momentum: float = 0.6):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "momentum_buffer" not in state:  # (setdefault would zero-fill a new one every step)
                    state["momentum_buffer"] = torch.zeros_like(p.grad)
                buffer = state["momentum_buffer"]
                buffer.mul_(group["momentum"]).add_(p.grad)
                update = p.grad.add(buffer, alpha=group["momentum"])          # Nesterov
                p.mul_(len(p) ** 0.5 / p.norm())                              # scale-free after BatchNorm
                p.add_(orthogonalize(update.reshape(len(p), -1)).view_as(p), alpha=-group["lr"])


class Optimizers:
    """Several optimizers used as one: the recipe's loop and schedule see all their groups."""

    def __init__(self, *optimizers):
        self.optimizers = optimizers

    @property
    def param_groups(self) -> list:
        return [group for optimizer in self.optimizers for group in optimizer.param_groups]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        for optimizer in self.optimizers:
            optimizer.step()

    def state_dict(self) -> list:
        return [optimizer.state_dict() for optimizer in self.optimizers]

    def load_state_dict(self, states: list) -> None:
        if not isinstance(states, list) or len(states) != len(self.optimizers):
            raise ValueError(f"expected the states of {len(self.optimizers)} optimizers, got a {type(states).__name__}")
        for optimizer, state in zip(self.optimizers, states, strict=True):
            optimizer.load_state_dict(state)


def _muon_and_sgd(model, batch_size: int, lr: float | None, muon_lr: float = 0.08) -> Optimizers:
    filters = [p for p in model.parameters() if p.ndim == 4 and p.requires_grad]
    return Optimizers(nesterov_sgd(model, batch_size, lr, skip=filters), Muon(filters, lr=muon_lr))


# Muon (rate 0.08, following the same schedule) for the 3x3 filters; airbench's Nesterov SGD
# for the rest: BatchNorm and whitening biases and the linear head.
muon_sgd = Optimizer("muon_sgd", _muon_and_sgd, reduction="sum")

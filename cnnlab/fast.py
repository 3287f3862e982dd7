"""The fast CIFAR-10 recipe's own pieces, after Keller Jordan's airbench (recipes.py joins them).

A whitening first layer (models.init_whitening), BatchNorm with dirac init (models.fast_net),
label smoothing (recipes.CrossEntropy), alternating flips and 2-pixel crops (data.Batches),
Nesterov SGD tuned for a loss summed over the batch, Muon for the 3x3 filters (from his later
airbench94_muon; on a CPU, see recipes.Recipe.on), a warm-up/decay schedule over the fraction of
training done, lookahead weight averaging, and flip test-time augmentation.

On a CPU Muon replaces SGD for the filters: with it the recipe reaches 90.1 % in 600 s on two
cores with bfloat16, against 89.9 % with SGD alone. Progressive resizing, torch.compile, larger
batches, narrower later blocks and re-estimated BatchNorm statistics did not pay on two cores;
docs/benchmarks.md gives the figures and how to reproduce them.
"""

import time

import torch

from cnnlab.data import Batches, eval_batch_size
from cnnlab.evaluate import predict
from cnnlab.runtime import channels_last_pays

MOMENTUM = 0.85


def lr_factor(progress: float) -> float:
    """Warm up from 0.2 to 1 over the first 23 % of training, then decay linearly to 0.07."""
    if progress < 0.23:
        return 0.2 + 0.8 * progress / 0.23
    return 1.0 - 0.93 * (progress - 0.23) / 0.77


class Lookahead:
    """Every few steps pull the weights towards a slow average, and the average towards them."""

    def __init__(self, model):
        self.slow = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model, decay: float) -> None:
        for slow, fast in zip(self.slow.values(), model.state_dict().values()):
            if fast.dtype.is_floating_point:
                slow.lerp_(fast, 1 - decay)
                fast.copy_(slow)


def summed_loss_sgd(model, batch_size: int, lr: float | None = None, weight_decay: float = 0.0153,
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
    for group in groups:
        group["base_lr"] = group["lr"]
    return torch.optim.SGD(groups, momentum=MOMENTUM, nesterov=True)


summed_loss_sgd.reduction = "sum"  # recipes.Recipe refuses to pair it with an averaged loss


# --- Muon for the convolution filters (Keller Jordan's airbench94_muon, 2024) ---------------------

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


def muon_sgd(model, batch_size: int, lr: float | None = None, muon_lr: float = 0.08) -> Optimizers:
    """Muon (rate `muon_lr`, following the same schedule) for the 3x3 filters; airbench's Nesterov
    SGD (summed_loss_sgd) for the rest: BatchNorm and whitening biases and the linear head."""
    filters = [p for p in model.parameters() if p.ndim == 4 and p.requires_grad]
    sgd = summed_loss_sgd(model, batch_size, lr, skip=filters)
    muon = Muon(filters, lr=muon_lr)
    for group in muon.param_groups:
        group["base_lr"] = group["lr"]
    return Optimizers(sgd, muon)


muon_sgd.reduction = "sum"


def tta_accuracy(model, data, device, amp_dtype=None, batch_size: int = 0, tta: int = 1) -> float:
    """Accuracy with test-time augmentation (see evaluate.tta_logits); batch_size 0: eval_batch_size."""
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

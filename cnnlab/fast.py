"""A CIFAR-10 recipe made for a time budget, after Keller Jordan's airbench.

Each speed idea is one small named piece: a whitening first layer (init_whitening), BatchNorm
with dirac init (models.fast_net), label smoothing, alternating flips and 2-pixel crops
(data.Batches), Nesterov SGD with a warm-up/decay schedule driven by the fraction of the budget
used, lookahead weight averaging, and flip test-time augmentation.

Progressive resizing (`sizes`) is an experiment to run, off by default: early steps on 20- and
24-pixel images cost 40 % and 60 % of full-size ones, but on a 2-core CPU in 600 s it gave 14.7
epochs and 86.2 % against 8.9 epochs and 86.4 % at full size: the scale mismatch cost more than
the extra epochs bought.
"""

import time

import torch
import torch.nn.functional as F

from cnnlab.data import Batches, normalize
from cnnlab.evaluate import predict
from cnnlab.models import fast_net, init_whitening
from cnnlab.train import autocast, check_finite

MOMENTUM = 0.85
LABEL_SMOOTHING = 0.2


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


def make_optimizer(model, batch_size: int, lr: float = 11.5, weight_decay: float = 0.0153,
                   bias_scale: float = 64.0) -> torch.optim.SGD:
    """airbench's hyperparameters, for a loss summed over the batch."""
    kilostep = 1024 * (1 + 1 / (1 - MOMENTUM))
    lr, decay = lr / kilostep, weight_decay * batch_size / kilostep
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    norm_biases = [m.bias for m in norms]  # only BatchNorm biases get the 64x learning rate
    others = [p for p in model.parameters() if p.requires_grad and all(p is not b for b in norm_biases)]
    groups = [dict(params=norm_biases, lr=lr * bias_scale, weight_decay=decay / (lr * bias_scale)),
              dict(params=others, lr=lr, weight_decay=decay / lr)]
    for group in groups:
        group["base_lr"] = group["lr"]
    return torch.optim.SGD(groups, momentum=MOMENTUM, nesterov=True)


def image_size(schedule, fraction: float, full: int = 32) -> int:
    """The training image size at this point of training: schedule is ((size, until_fraction), ...)."""
    for size, until in schedule:
        if fraction < until:
            return size
    return full


def test_accuracy(model, data, device, amp_dtype=None, batch_size: int = 1000, tta: int = 1) -> float:
    """Accuracy with test-time augmentation (see evaluate.tta_logits)."""
    batches = Batches(data, batch_size, device, channels_last=device.type != "mps")
    logits, labels = predict(model, batches, device, amp_dtype, tta)
    return (logits.argmax(1) == labels).float().mean().item()


def train_fast(train, test, device, budget: float | None = None, epochs: float | None = None,
               widths=(64, 128, 128), batch_size: int = 1024, amp_dtype=None, seed: int = 0,
               started: float | None = None, progress=None, tta: int = 1, sizes=()) -> dict:
    """Train fast_net on `train` and measure on `test`; stop by `epochs` or by `budget` seconds.

    Args:
        budget: wall seconds for everything, counted from `started` (default: now); the
            schedule follows the fraction of the budget used, and time for the final test
            evaluation is kept back.
        epochs: train for this many epochs instead (a fixed, repeatable schedule).
        progress: called as progress(step, fraction, loss) every 20 steps.
        sizes: progressive resizing, ((size, until_fraction), ...): e.g. ((20, 0.35), (24, 0.6))
            trains on 20-pixel images for the first 35 % of training, then 24, then full size.
    """
    if (budget is None) == (epochs is None):
        raise ValueError("give exactly one of budget (seconds) or epochs")
    started = started if started is not None else time.monotonic()
    torch.manual_seed(seed)
    channels_last = device.type != "mps"
    batches = Batches(train, batch_size, device, shuffle=True, crop=2, flip="alternate",
                      drop_last=True, seed=seed, channels_last=channels_last)
    model = fast_net(widths).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    init_whitening(model[0], normalize(batches.images[:5000]).float())
    optimizer = make_optimizer(model, batch_size)
    lookahead = Lookahead(model)
    total_steps = round(epochs * len(batches)) if epochs else None
    train_end = started + budget * 0.9 if budget else None  # refined after a few steps
    step, epoch, loss = 0, 0, torch.tensor(0.0)
    while True:
        for x, y in batches:
            now = time.monotonic()
            fraction = step / total_steps if total_steps else (now - started) / (train_end - started)
            if fraction >= 1:
                break
            for group in optimizer.param_groups:
                group["lr"] = group["base_lr"] * lr_factor(fraction)
            model[0].bias.requires_grad_(fraction < 0.3)  # train the whitening bias early only
            size = image_size(sizes, fraction, x.shape[-1])
            if size != x.shape[-1]:
                x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True)
            with autocast(device, amp_dtype):
                loss = F.cross_entropy(model(x).float(), y, label_smoothing=LABEL_SMOOTHING,
                                       reduction="sum")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            if step % 5 == 0:
                lookahead.update(model, decay=0.95 ** 5 * fraction ** 3)
            if step % 20 == 0:
                check_finite(loss, step)
                if progress:
                    progress(step, fraction, loss.item() / len(y))
            if budget and step == 12:
                train_end = reserve_for_evaluation(started, budget, model, test, device, amp_dtype, tta)
        else:
            epoch += 1
            continue
        break
    lookahead.update(model, decay=1.0)  # end on the averaged weights
    trained = time.monotonic()
    accuracy = test_accuracy(model, test, device, amp_dtype, tta=tta)
    done = time.monotonic()
    return {"model": model, "test_accuracy": accuracy, "steps": step,
            "epochs": step * batch_size / len(train), "train_seconds": trained - started,
            "seconds": done - started, "eval_seconds": done - trained}


def time_evaluation(model, test, device, amp_dtype=None, tta: int = 1, sample: int = 1000) -> float:
    """Seconds the final test evaluation will take, timed on `sample` test images (weights don't matter)."""
    part = test.subset(range(min(sample, len(test))))
    times = []
    for _ in range(2):  # the first pass also sets up the convolution kernels for this shape
        begin = time.monotonic()
        test_accuracy(model, part, device, amp_dtype, tta=tta)  # ends in .item(): waits for a GPU
        times.append(time.monotonic() - begin)
    model.train()
    return min(times) * len(test) / len(part)


def reserve_for_evaluation(started, budget, model, test, device, amp_dtype=None, tta: int = 1) -> float:
    """When training must stop so that the test evaluation (with TTA) still ends inside the budget."""
    evaluation = time_evaluation(model, test, device, amp_dtype, tta)
    return started + budget - 1.25 * evaluation - 2.0  # 2 s for the final lookahead and slack

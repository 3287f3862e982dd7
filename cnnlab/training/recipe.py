"""A training recipe as named pieces, and the recipes the workbook uses (`RECIPES`).

A recipe is: a network (and how to initialise it), a batch size, augmentation, an optimizer,
a loss (summed or averaged over the batch: the optimizer's tuning depends on it), a learning-rate
schedule over the fraction of training done, optional weight averaging (lookahead), and
test-time augmentation. The notebooks write the loop that joins the pieces; `loop.train_recipe`
joins the very same pieces for scripts, so a change to a recipe changes both.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch

from cnnlab.data.batches import Batches, normalize
from cnnlab.training import models
from cnnlab.training.averaging import Averager
from cnnlab.training.loss import CrossEntropy
from cnnlab.training.optimizers import Optimizer, adam, muon_sgd, summed_loss_sgd
from cnnlab.training.runtime import bf16_autocast_is_fast
from cnnlab.training.schedule import lr_factor

GPU_WIDTHS = (64, 256, 256)        # the fast recipe's widths where a GPU makes width cheap
BF16_CPU_WIDTHS = (32, 128, 256)   # ... and where a CPU's bfloat16 halves a step's cost
GPU_BATCH_SIZE = 1024


@dataclass(frozen=True)
class Recipe:
    """The named pieces of one way to train. See the module docstring."""

    name: str
    dataset: str
    network: Callable                 # widths -> nn.Module (widths ignored by fixed networks)
    batch_size: int
    augment: dict
    optimizer: Optimizer              # (model, batch_size, lr=None) -> optimizer with "base_lr"
    loss: CrossEntropy
    schedule: Callable | None = None  # fraction of training done -> learning-rate factor
    whitening: bool = False           # initialise model[0] from the training images' patches
    lookahead: bool = False
    tta: int = 0                      # test-time augmentation level (evaluation.tta_logits)
    widths: tuple = ()
    max_epochs: int = 60
    holdout: float = 0.2              # share of the training images kept back for validation
    keep_best: bool = True            # end on the weights with the lowest validation loss
    # What `on` changes on a GPU, and on a CPU with fast bfloat16 (not compared: a recipe tuned
    # by `on` has none left, and equals the recipe built by hand with the same pieces).
    on_gpu: dict = field(default_factory=dict, compare=False)
    on_bf16_cpu: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        wants = self.optimizer.reduction
        if wants != self.loss.reduction:
            raise ValueError(f"{self.name}: the optimizer {self.optimizer.name} is tuned for a "
                             f"loss {'summed' if wants == 'sum' else 'averaged'} over the batch but the loss uses {self.loss.reduction!r}; "
                             f"use CrossEntropy(reduction={wants!r}) or another optimizer.")

    def build(self, train, device, seed: int = 0, channels_last: bool = False):
        """The network on `device`, seeded, whitening layer initialised from `train`."""
        torch.manual_seed(seed)
        model = self.network(tuple(self.widths)) if self.widths else self.network()
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
        """This recipe as tuned for `device`: `on_gpu` on a GPU, `on_bf16_cpu` on a CPU with fast
        bfloat16 (`bfloat16`, by default `runtime.bf16_autocast_is_fast`), else itself."""
        device = torch.device(device)
        changes = {}
        if device.type == "cuda":
            changes = self.on_gpu
        elif device.type == "cpu" and (bf16_autocast_is_fast(device) if bfloat16 is None else bfloat16):
            changes = self.on_bf16_cpu
        return replace(self, **changes, on_gpu={}, on_bf16_cpu={})


RECIPES = {
    # Keller Jordan's airbench (2024), adapted: widths for a CPU, bfloat16 where the CPU has it, and
    # Muon for the filters as in his airbench94_muon (on a CPU).
    # As it stands, the float32 CPU's: widths 32/96/192 and a test with flips and 1-pixel shifts
    # (tta 2), worth about a quarter of a point there for 20 s more testing. On a GPU: widths
    # 64/256/256, batches of 1024 and SGD for every weight. With fast bfloat16: widths 32/128/256,
    # since wider layers pay where bfloat16 halves a step (89.9 % against 89.1 % in 600 s), and the
    # flips alone, since after 14 epochs the shifts add nothing measurable.
    "fast": Recipe(
        "fast", "cifar10", models.fast_net, batch_size=256, augment=dict(crop=2, flip="alternate"),
        optimizer=muon_sgd, loss=CrossEntropy("sum", label_smoothing=0.2),
        schedule=lr_factor, whitening=True, lookahead=True, tta=2, widths=(32, 96, 192),
        on_gpu=dict(widths=GPU_WIDTHS, batch_size=GPU_BATCH_SIZE, optimizer=summed_loss_sgd),
        on_bf16_cpu=dict(widths=BF16_CPU_WIDTHS, tta=1)),
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
